// Flatten: [N, H, W, C] -> [N, H*W*C] between the convolutional stack and the Dense head.
//
// NHWC is contiguous, so both directions are reshaped() views of the same buffer: no copies.
#pragma once

#include "nn/layer.h"

namespace ts::nn {

class Flatten final : public Layer
{
public:
    explicit Flatten(std::string name)
        : Layer(std::move(name))
    {}

    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;

private:
    tensor::Shape m_inputShape;
    tensor::Tensor m_output;    // a view of the input
    tensor::Tensor m_inputGrad; // a view of the output gradient
};

} // namespace ts::nn
