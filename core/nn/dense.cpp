#include "nn/dense.h"

#include "common/assert.h"

namespace ts::nn {

using tensor::Tensor;
using tensor::Transpose;

Dense::Dense(std::string name, tensor::Backend& backend, int64_t inFeatures, int64_t outFeatures)
    : Layer(std::move(name))
    , m_backend(backend)
{
    m_weight = { this->name() + ".weight", Tensor::zeros(backend, { inFeatures, outFeatures }),
                 Tensor::zeros(backend, { inFeatures, outFeatures }) };
    m_bias = { this->name() + ".bias", Tensor::zeros(backend, { outFeatures }),
               Tensor::zeros(backend, { outFeatures }) };
}

const Tensor& Dense::forward(const Tensor& input)
{
    TS_ASSERT(input.cols() == inFeatures());
    m_input = input;
    ensureShape(m_output, m_backend, input.rows(), outFeatures());
    m_backend.gemm(Transpose::No, Transpose::No, 1.0f, input, m_weight.value, 0.0f, m_output);
    m_backend.addRowVector(m_output, m_bias.value);
    return m_output;
}

const Tensor& Dense::backward(const Tensor& outputGrad, bool needInputGrad)
{
    TS_ASSERT(outputGrad.rows() == m_input.rows() && outputGrad.cols() == outFeatures());
    // dW = x^T dy, db = column sums of dy, dx = dy W^T
    m_backend.gemm(Transpose::Yes, Transpose::No, 1.0f, m_input, outputGrad, 0.0f, m_weight.grad);
    m_backend.sumRows(outputGrad, m_bias.grad);
    if (!needInputGrad) {
        static const Tensor none;
        return none;
    }
    ensureShape(m_inputGrad, m_backend, outputGrad.rows(), inFeatures());
    m_backend.gemm(Transpose::No, Transpose::Yes, 1.0f, outputGrad, m_weight.value, 0.0f,
                   m_inputGrad);
    return m_inputGrad;
}

} // namespace ts::nn
