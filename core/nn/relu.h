// ReLU activation: y = max(x, 0).
#pragma once

#include "nn/layer.h"

namespace ts::nn {

class Relu final : public Layer
{
public:
    Relu(std::string name, tensor::Backend& backend)
        : Layer(std::move(name))
        , m_backend(backend)
    {}

    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;

private:
    tensor::Backend& m_backend;
    tensor::Tensor m_output; // backward needs only the sign of the output
    tensor::Tensor m_inputGrad;
};

} // namespace ts::nn
