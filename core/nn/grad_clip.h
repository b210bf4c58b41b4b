// Gradient-norm clipping (torch.nn.utils.clip_grad_norm_ with the L2 norm): the gradients of
// all parameters are seen as one vector; when its norm exceeds maxNorm every gradient is scaled
// by maxNorm / (norm + 1e-6), so the update keeps its direction with a bounded length.
// Call it between the backward pass and Optimizer::step().
#pragma once

#include "nn/parameter.h"

#include <vector>

namespace ts::nn {

// Clips in place and returns the total norm before clipping (worth logging: a growing norm is
// an early sign of divergence). maxNorm must be > 0. A non-finite norm (NaN, inf) is returned and
// the gradients are left as they are.
double clipGradientNorm(const std::vector<Parameter*>& parameters, double maxNorm);

} // namespace ts::nn
