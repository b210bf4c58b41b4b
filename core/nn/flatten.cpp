#include "nn/flatten.h"

#include "common/assert.h"

namespace ts::nn {

using tensor::Tensor;

const Tensor& Flatten::forward(const Tensor& input)
{
    TS_ASSERT(!input.shape().empty());
    m_inputShape = input.shape();
    m_output = input.reshaped({ input.rows(), input.cols() });
    return m_output;
}

const Tensor& Flatten::backward(const Tensor& outputGrad, bool needInputGrad)
{
    if (!needInputGrad) {
        static const Tensor none;
        return none;
    }
    m_inputGrad = outputGrad.reshaped(m_inputShape);
    return m_inputGrad;
}

} // namespace ts::nn
