// Conv2d: a 2-D convolution over NHWC images, lowered to im2col and one matrix product.
//
// The input [N, H, W, inC] becomes the columns matrix [N*OH*OW, K*K*inC] (one row per output
// pixel, one patch per row in (kh, kw, c) order); the weight is stored in that same order as
// [K*K*inC, outC], so the forward pass is
//
// @code
//     columns = im2col(x)                     // [N*OH*OW, K*K*inC]
//     y       = columns * W + b               // [N*OH*OW, outC] == [N, OH, OW, outC]
// @endcode
//
// and the backward pass dW = columns^T dy, db = column sums of dy, dx = col2im(dy W^T). The
// columns stay alive between forward and backward. A 1x1 convolution with stride 1 and no
// padding is already a matrix product: it skips im2col and col2im.
#pragma once

#include "nn/layer.h"

namespace ts::nn {

class Conv2d final : public Layer
{
public:
    // Square kernels; the weight starts zero-filled (nn/init.h fills it), the bias is optional.
    Conv2d(std::string name, tensor::Backend& backend, int64_t inChannels, int64_t outChannels,
           int64_t kernel, int64_t stride = 1, int64_t padding = 0, int64_t dilation = 1,
           bool bias = true);

    // The output length of one axis: (in + 2 padding - dilation (kernel - 1) - 1) / stride + 1.
    static int64_t outputSize(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                              int64_t dilation);

    int64_t inChannels() const { return m_inChannels; }
    int64_t outChannels() const { return m_outChannels; }
    int64_t kernel() const { return m_kernel; }
    int64_t stride() const { return m_stride; }
    int64_t padding() const { return m_padding; }
    int64_t dilation() const { return m_dilation; }
    bool hasBias() const { return m_hasBias; }
    Parameter& weight() { return m_weight; }
    Parameter& bias() { return m_bias; } // empty tensors without a bias

    // `input` is [N, H, W, inChannels]; the output is [N, OH, OW, outChannels].
    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;
    std::vector<Parameter*> parameters() override;

private:
    bool isPointwise() const { return m_kernel == 1 && m_stride == 1 && m_padding == 0; }

    tensor::Backend& m_backend;
    int64_t m_inChannels;
    int64_t m_outChannels;
    int64_t m_kernel;
    int64_t m_stride;
    int64_t m_padding;
    int64_t m_dilation;
    bool m_hasBias;
    Parameter m_weight;
    Parameter m_bias;
    tensor::WindowGeometry m_geometry; // of the last forward input
    tensor::Tensor m_input;            // shares the previous layer's output
    tensor::Tensor m_columns;          // im2col(input), or the input itself when pointwise
    tensor::Tensor m_columnsGrad;
    tensor::Tensor m_output;
    tensor::Tensor m_inputGrad;
};

} // namespace ts::nn
