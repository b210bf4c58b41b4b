#include "nn/pool2d.h"

#include "common/assert.h"

namespace ts::nn {

using tensor::Shape;
using tensor::Tensor;

namespace {

// Keeps `buffer` when it already has `shape`, so steady-state batches allocate nothing.
void ensureTensor(Tensor& buffer, tensor::Backend& backend, const Shape& shape)
{
    if (buffer.empty() || buffer.shape() != shape)
        buffer = Tensor(backend, shape);
}

const Tensor& noInputGrad()
{
    static const Tensor none;
    return none;
}

} // namespace

WindowedPool::WindowedPool(std::string name, tensor::Backend& backend, int64_t kernel,
                           int64_t stride, int64_t padding)
    : Layer(std::move(name))
    , m_backend(backend)
    , m_kernel(kernel)
    , m_stride(stride)
    , m_padding(padding)
{
    // A window must hold at least one real pixel, or max pooling would output -infinity.
    TS_ASSERT(kernel > 0 && stride > 0 && padding >= 0 && 2 * padding <= kernel);
}

void WindowedPool::prepare(const Tensor& input)
{
    TS_ASSERT(input.shape().size() == 4);
    tensor::WindowGeometry& g = m_geometry;
    g.batch = input.dim(0);
    g.height = input.dim(1);
    g.width = input.dim(2);
    g.channels = input.dim(3);
    g.kernelH = g.kernelW = m_kernel;
    g.strideH = g.strideW = m_stride;
    g.padH = g.padW = m_padding;
    TS_ASSERT(g.outHeight() > 0 && g.outWidth() > 0);
    ensureTensor(m_output, m_backend, { g.batch, g.outHeight(), g.outWidth(), g.channels });
}

MaxPool2d::MaxPool2d(std::string name, tensor::Backend& backend, int64_t kernel, int64_t stride,
                     int64_t padding)
    : WindowedPool(std::move(name), backend, kernel, stride, padding)
{}

const Tensor& MaxPool2d::forward(const Tensor& input)
{
    prepare(input);
    m_input = input;
    m_backend.maxPoolForward(input, m_geometry, m_output);
    return m_output;
}

const Tensor& MaxPool2d::backward(const Tensor& outputGrad, bool needInputGrad)
{
    TS_ASSERT(outputGrad.size() == m_output.size());
    if (!needInputGrad)
        return noInputGrad();
    ensureTensor(m_inputGrad, m_backend, m_input.shape());
    m_backend.maxPoolBackward(m_input, m_output, outputGrad, m_geometry, m_inputGrad);
    return m_inputGrad;
}

AvgPool2d::AvgPool2d(std::string name, tensor::Backend& backend, int64_t kernel, int64_t stride,
                     int64_t padding)
    : WindowedPool(std::move(name), backend, kernel, stride, padding)
{}

const Tensor& AvgPool2d::forward(const Tensor& input)
{
    prepare(input);
    m_backend.avgPoolForward(input, m_geometry, m_output);
    return m_output;
}

const Tensor& AvgPool2d::backward(const Tensor& outputGrad, bool needInputGrad)
{
    TS_ASSERT(outputGrad.size() == m_output.size());
    if (!needInputGrad)
        return noInputGrad();
    const tensor::WindowGeometry& g = m_geometry;
    ensureTensor(m_inputGrad, m_backend, { g.batch, g.height, g.width, g.channels });
    m_backend.avgPoolBackward(outputGrad, g, m_inputGrad);
    return m_inputGrad;
}

GlobalAvgPool::GlobalAvgPool(std::string name, tensor::Backend& backend)
    : Layer(std::move(name))
    , m_backend(backend)
{}

const Tensor& GlobalAvgPool::forward(const Tensor& input)
{
    TS_ASSERT(input.shape().size() == 4);
    tensor::WindowGeometry& g = m_geometry;
    g.batch = input.dim(0);
    g.height = g.kernelH = input.dim(1);
    g.width = g.kernelW = input.dim(2);
    g.channels = input.dim(3);
    m_inputShape = input.shape();
    // The [N, 1, 1, C] output of the pool is stored directly as [N, C].
    ensureTensor(m_output, m_backend, { g.batch, g.channels });
    m_backend.avgPoolForward(input, g, m_output);
    return m_output;
}

const Tensor& GlobalAvgPool::backward(const Tensor& outputGrad, bool needInputGrad)
{
    TS_ASSERT(outputGrad.size() == m_output.size());
    if (!needInputGrad)
        return noInputGrad();
    ensureTensor(m_inputGrad, m_backend, m_inputShape);
    m_backend.avgPoolBackward(outputGrad, m_geometry, m_inputGrad);
    return m_inputGrad;
}

} // namespace ts::nn
