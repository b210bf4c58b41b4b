// Stochastic gradient descent with momentum, Nesterov momentum and weight decay (PyTorch's
// torch.optim.SGD rule, dampening 0):
//   g' = g + weightDecay * w;  v = momentum * v + g'
//   w -= learningRate * v                    (classic)
//   w -= learningRate * (g' + momentum * v)  (nesterov)
// State: one velocity per parameter, "<parameter>.velocity", zero at the start.
#pragma once

#include "nn/optimizer.h"

#include <vector>

namespace ts::nn {

struct SgdOptions
{
    float learningRate = 0.01f; // the initial rate; a schedule may change it before each step
    float momentum = 0.0f;
    float weightDecay = 0.0f;
    bool nesterov = false; // needs momentum > 0, as in PyTorch
};

class Sgd final : public Optimizer
{
public:
    Sgd(std::vector<Parameter*> parameters, SgdOptions options);

    const SgdOptions& options() const { return m_options; }
    void step() override;
    NamedState state() override;

private:
    std::vector<tensor::Tensor> m_velocity; // one per parameter
    SgdOptions m_options;
};

} // namespace ts::nn
