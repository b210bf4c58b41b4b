#include "nn/dropout.h"

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

// SplitMix64's finaliser. The mask hash adds (index + 1) * golden ratio to its seed, so seeds
// of consecutive calls must not differ by a multiple of that constant (the masks would be
// shifted copies of each other): mixing the call count through a bijection avoids it.
uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

} // namespace

Dropout::Dropout(std::string name, tensor::Backend& backend, float p, uint64_t seed)
    : Layer(std::move(name))
    , m_backend(backend)
    , m_p(p)
    , m_seed(seed)
{
    TS_ASSERT(p >= 0.0f && p < 1.0f);
}

const Tensor& Dropout::forward(const Tensor& input)
{
    m_identity = !training() || m_p == 0.0f;
    if (m_identity) {
        m_passThrough = input; // shares the buffer: no copy
        return m_passThrough;
    }
    m_passThrough = Tensor();
    ensureTensor(m_mask, m_backend, input.shape());
    ensureTensor(m_output, m_backend, input.shape());
    const uint64_t callSeed = mix(m_seed ^ mix(m_calls + 0x9E3779B97F4A7C15ull));
    ++m_calls;
    m_backend.dropoutForward(input, m_p, callSeed, m_mask, m_output);
    return m_output;
}

const Tensor& Dropout::backward(const Tensor& outputGrad, bool needInputGrad)
{
    if (!needInputGrad) {
        static const Tensor none;
        return none;
    }
    if (m_identity) {
        m_passThrough = outputGrad;
        return m_passThrough;
    }
    TS_ASSERT(outputGrad.size() == m_mask.size());
    ensureTensor(m_inputGrad, m_backend, m_mask.shape());
    m_backend.multiply(outputGrad, m_mask, m_inputGrad);
    return m_inputGrad;
}

} // namespace ts::nn
