#include "nn/conv2d.h"

#include "common/assert.h"

namespace ts::nn {

using tensor::Shape;
using tensor::Tensor;
using tensor::Transpose;

namespace {

// Keeps `buffer` when it already has `shape`, so steady-state batches allocate nothing.
void ensureTensor(Tensor& buffer, tensor::Backend& backend, const Shape& shape)
{
    if (buffer.empty() || buffer.shape() != shape)
        buffer = Tensor(backend, shape);
}

} // namespace

Conv2d::Conv2d(std::string name, tensor::Backend& backend, int64_t inChannels, int64_t outChannels,
               int64_t kernel, int64_t stride, int64_t padding, int64_t dilation, bool bias)
    : Layer(std::move(name))
    , m_backend(backend)
    , m_inChannels(inChannels)
    , m_outChannels(outChannels)
    , m_kernel(kernel)
    , m_stride(stride)
    , m_padding(padding)
    , m_dilation(dilation)
    , m_hasBias(bias)
{
    TS_ASSERT(inChannels > 0 && outChannels > 0 && kernel > 0 && stride > 0);
    TS_ASSERT(padding >= 0 && dilation > 0);
    const Shape weightShape { kernel * kernel * inChannels, outChannels };
    m_weight = { this->name() + ".weight", Tensor::zeros(backend, weightShape),
                 Tensor::zeros(backend, weightShape) };
    if (bias)
        m_bias = { this->name() + ".bias", Tensor::zeros(backend, { outChannels }),
                   Tensor::zeros(backend, { outChannels }) };
}

int64_t Conv2d::outputSize(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                           int64_t dilation)
{
    return (in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;
}

std::vector<Parameter*> Conv2d::parameters()
{
    if (m_hasBias)
        return { &m_weight, &m_bias };
    return { &m_weight };
}

const Tensor& Conv2d::forward(const Tensor& input)
{
    TS_ASSERT(input.shape().size() == 4 && input.dim(3) == m_inChannels);
    tensor::WindowGeometry& g = m_geometry;
    g.batch = input.dim(0);
    g.height = input.dim(1);
    g.width = input.dim(2);
    g.channels = m_inChannels;
    g.kernelH = g.kernelW = m_kernel;
    g.strideH = g.strideW = m_stride;
    g.padH = g.padW = m_padding;
    g.dilationH = g.dilationW = m_dilation;
    TS_ASSERT(g.outHeight() > 0 && g.outWidth() > 0);

    m_input = input;
    if (isPointwise()) {
        m_columns = input.reshaped({ g.patchCount(), g.patchSize() });
    } else {
        ensureTensor(m_columns, m_backend, { g.patchCount(), g.patchSize() });
        m_backend.im2col(input, g, m_columns);
    }
    ensureTensor(m_output, m_backend, { g.batch, g.outHeight(), g.outWidth(), m_outChannels });
    Tensor outputRows = m_output.reshaped({ g.patchCount(), m_outChannels });
    m_backend.gemm(Transpose::No, Transpose::No, 1.0f, m_columns, m_weight.value, 0.0f, outputRows);
    if (m_hasBias)
        m_backend.addRowVector(outputRows, m_bias.value);
    return m_output;
}

const Tensor& Conv2d::backward(const Tensor& outputGrad, bool needInputGrad)
{
    const tensor::WindowGeometry& g = m_geometry;
    TS_ASSERT(outputGrad.size() == g.patchCount() * m_outChannels);
    const Tensor gradRows = outputGrad.reshaped({ g.patchCount(), m_outChannels });
    m_backend.gemm(Transpose::Yes, Transpose::No, 1.0f, m_columns, gradRows, 0.0f, m_weight.grad);
    if (m_hasBias)
        m_backend.sumRows(gradRows, m_bias.grad);
    if (!needInputGrad) {
        static const Tensor none;
        return none;
    }
    ensureTensor(m_inputGrad, m_backend, m_input.shape());
    if (isPointwise()) {
        Tensor inputGradRows = m_inputGrad.reshaped({ g.patchCount(), g.patchSize() });
        m_backend.gemm(Transpose::No, Transpose::Yes, 1.0f, gradRows, m_weight.value, 0.0f,
                       inputGradRows);
        return m_inputGrad;
    }
    // A buffer of its own rather than reusing m_columns, so backward may run twice per forward.
    ensureTensor(m_columnsGrad, m_backend, { g.patchCount(), g.patchSize() });
    m_backend.gemm(Transpose::No, Transpose::Yes, 1.0f, gradRows, m_weight.value, 0.0f,
                   m_columnsGrad);
    m_backend.col2im(m_columnsGrad, g, m_inputGrad);
    return m_inputGrad;
}

} // namespace ts::nn
