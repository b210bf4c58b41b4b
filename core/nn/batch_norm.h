// BatchNorm: normalises each channel over the batch (and the pixels of NHWC images), then
// scales and shifts it: y = gamma * (x - mean) / sqrt(var + eps) + beta.
//
// Training mode uses the batch statistics and updates the running mean and variance (buffers,
// saved with the model but not trained); inference mode uses the running statistics, so a
// single sample gives the same answer whatever batch it comes in. Inputs are [N, C] or
// [N, H, W, C]: both are seen as a matrix of N*H*W rows and C columns. The backward pass is
// defined for training mode only (as in every framework's fused kernels).
#pragma once

#include "nn/layer.h"

namespace ts::nn {

class BatchNorm final : public Layer
{
public:
    // gamma = 1, beta = 0, running mean 0 and running variance 1, as PyTorch starts them.
    BatchNorm(std::string name, tensor::Backend& backend, int64_t channels,
              tensor::BatchNormOptions options = {});

    int64_t channels() const { return m_gamma.value.size(); }
    const tensor::BatchNormOptions& options() const { return m_options; }
    Parameter& weight() { return m_gamma; }
    Parameter& bias() { return m_beta; }
    tensor::Tensor& runningMean() { return m_runningMean; }
    tensor::Tensor& runningVar() { return m_runningVar; }

    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;
    std::vector<Parameter*> parameters() override { return { &m_gamma, &m_beta }; }
    std::vector<std::pair<std::string, tensor::Tensor*>> buffers() override;

private:
    tensor::Backend& m_backend;
    tensor::BatchNormOptions m_options;
    Parameter m_gamma;
    Parameter m_beta;
    tensor::Tensor m_runningMean;
    tensor::Tensor m_runningVar;
    tensor::Tensor m_savedMean; // batch statistics of the last training forward
    tensor::Tensor m_savedInvStd;
    tensor::Tensor m_inputRows; // the last input as a [rows, channels] view
    tensor::Tensor m_output;
    tensor::Tensor m_inputGrad;
    bool m_lastForwardTrained = false;
};

} // namespace ts::nn
