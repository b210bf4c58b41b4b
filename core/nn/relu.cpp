#include "nn/relu.h"

namespace ts::nn {

using tensor::Tensor;

const Tensor& Relu::forward(const Tensor& input)
{
    ensureShape(m_output, m_backend, input.shape());
    m_backend.reluForward(input, m_output);
    return m_output;
}

const Tensor& Relu::backward(const Tensor& outputGrad, bool needInputGrad)
{
    if (!needInputGrad) {
        static const Tensor none;
        return none;
    }
    ensureShape(m_inputGrad, m_backend, outputGrad.shape());
    m_backend.reluBackward(m_output, outputGrad, m_inputGrad);
    return m_inputGrad;
}

} // namespace ts::nn
