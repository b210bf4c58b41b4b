// Dense (fully connected) layer: y = x W + b, with W of shape in x out and b of length out.
#pragma once

#include "nn/layer.h"

namespace ts::nn {

class Dense final : public Layer
{
public:
    // Allocates W and b on `backend`, zero-filled; an initialiser (nn/init.h) fills W.
    Dense(std::string name, tensor::Backend& backend, int64_t inFeatures, int64_t outFeatures);

    int64_t inFeatures() const { return m_weight.value.dim(0); }
    int64_t outFeatures() const { return m_weight.value.dim(1); }
    Parameter& weight() { return m_weight; }
    Parameter& bias() { return m_bias; }

    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;
    std::vector<Parameter*> parameters() override { return { &m_weight, &m_bias }; }

private:
    tensor::Backend& m_backend;
    Parameter m_weight;
    Parameter m_bias;
    tensor::Tensor m_input; // shares the previous layer's output buffer until the next forward
    tensor::Tensor m_output;
    tensor::Tensor m_inputGrad;
};

} // namespace ts::nn
