// Stochastic gradient descent with momentum and weight decay (PyTorch's torch.optim.SGD rule):
//   g' = g + weightDecay * w;  v = momentum * v + g';  w -= learningRate * v
#pragma once

#include "nn/parameter.h"

#include <vector>

namespace ts::nn {

struct SgdOptions
{
    float learningRate = 0.01f;
    float momentum = 0.0f;
    float weightDecay = 0.0f;
};

class Sgd
{
public:
    Sgd(std::vector<Parameter*> parameters, SgdOptions options);

    const SgdOptions& options() const { return m_options; }
    // Applies one update from the gradients of the last backward pass.
    void step();

private:
    std::vector<Parameter*> m_parameters;
    std::vector<tensor::Tensor> m_velocity; // one per parameter, zero at the start
    SgdOptions m_options;
};

} // namespace ts::nn
