#include "nn/batch_norm.h"

#include "common/assert.h"

namespace ts::nn {

using tensor::Shape;
using tensor::Tensor;

namespace {

void ensureTensor(Tensor& buffer, tensor::Backend& backend, const Shape& shape)
{
    if (buffer.empty() || buffer.shape() != shape)
        buffer = Tensor(backend, shape);
}

Tensor filled(tensor::Backend& backend, int64_t count, float value)
{
    Tensor t(backend, { count });
    backend.fill(t.data(), value, size_t(count));
    return t;
}

} // namespace

BatchNorm::BatchNorm(std::string name, tensor::Backend& backend, int64_t channels,
                     tensor::BatchNormOptions options)
    : Layer(std::move(name))
    , m_backend(backend)
    , m_options(options)
{
    TS_ASSERT(channels > 0);
    m_gamma = { this->name() + ".weight", filled(backend, channels, 1.0f),
                Tensor::zeros(backend, { channels }) };
    m_beta = { this->name() + ".bias", Tensor::zeros(backend, { channels }),
               Tensor::zeros(backend, { channels }) };
    m_runningMean = filled(backend, channels, 0.0f);
    m_runningVar = filled(backend, channels, 1.0f);
    m_savedMean = Tensor::zeros(backend, { channels });
    m_savedInvStd = Tensor::zeros(backend, { channels });
}

std::vector<std::pair<std::string, Tensor*>> BatchNorm::buffers()
{
    return { { name() + ".running_mean", &m_runningMean },
             { name() + ".running_var", &m_runningVar } };
}

const Tensor& BatchNorm::forward(const Tensor& input)
{
    const int64_t c = channels();
    TS_ASSERT(input.shape().size() >= 2 && input.shape().back() == c);
    m_inputRows = input.reshaped({ input.size() / c, c });
    ensureTensor(m_output, m_backend, input.shape());
    Tensor outputRows = m_output.reshaped(m_inputRows.shape());
    m_lastForwardTrained = training();
    m_backend.batchNormForward(m_inputRows, m_gamma.value, m_beta.value, m_runningMean,
                               m_runningVar, training(), m_options, m_savedMean, m_savedInvStd,
                               outputRows);
    return m_output;
}

const Tensor& BatchNorm::backward(const Tensor& outputGrad, bool needInputGrad)
{
    // The gradient through running statistics is not the one of the batch statistics.
    TS_ASSERT(m_lastForwardTrained);
    TS_ASSERT(outputGrad.size() == m_inputRows.size());
    ensureTensor(m_inputGrad, m_backend, m_output.shape());
    Tensor inputGradRows = m_inputGrad.reshaped(m_inputRows.shape());
    // The fused kernel yields dx with dgamma and dbeta at no extra cost, so it always runs.
    m_backend.batchNormBackward(m_inputRows, outputGrad.reshaped(m_inputRows.shape()),
                                m_gamma.value, m_savedMean, m_savedInvStd, inputGradRows,
                                m_gamma.grad, m_beta.grad);
    if (!needInputGrad) {
        static const Tensor none;
        return none;
    }
    return m_inputGrad;
}

} // namespace ts::nn
