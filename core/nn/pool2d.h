// Pooling over NHWC images: max and average windows, and the global average that ends a CNN.
//
// MaxPool2d keeps its input and output for the backward pass, which sends each gradient to the
// first maximum of its window; AvgPool2d needs only the geometry (padding counts as zeros in the
// mean, PyTorch's count_include_pad=True). GlobalAvgPool averages the whole H x W of each
// channel and returns a 2-D [N, C] tensor, ready for a Dense head without a Flatten.
#pragma once

#include "nn/layer.h"

namespace ts::nn {

// Shared state of the windowed pools: geometry of the last input and the buffers.
class WindowedPool : public Layer
{
public:
    int64_t kernel() const { return m_kernel; }
    int64_t stride() const { return m_stride; }
    int64_t padding() const { return m_padding; }

protected:
    WindowedPool(std::string name, tensor::Backend& backend, int64_t kernel, int64_t stride,
                 int64_t padding);
    // Sets m_geometry for `input` ([N, H, W, C]) and sizes m_output and m_inputGrad.
    void prepare(const tensor::Tensor& input);

    tensor::Backend& m_backend;
    int64_t m_kernel;
    int64_t m_stride;
    int64_t m_padding;
    tensor::WindowGeometry m_geometry;
    tensor::Tensor m_output;
    tensor::Tensor m_inputGrad;
};

class MaxPool2d final : public WindowedPool
{
public:
    MaxPool2d(std::string name, tensor::Backend& backend, int64_t kernel, int64_t stride,
              int64_t padding = 0);

    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;

private:
    tensor::Tensor m_input; // shares the previous layer's output
};

class AvgPool2d final : public WindowedPool
{
public:
    AvgPool2d(std::string name, tensor::Backend& backend, int64_t kernel, int64_t stride,
              int64_t padding = 0);

    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;
};

class GlobalAvgPool final : public Layer
{
public:
    GlobalAvgPool(std::string name, tensor::Backend& backend);

    // [N, H, W, C] -> [N, C].
    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;

private:
    tensor::Backend& m_backend;
    tensor::WindowGeometry m_geometry;
    tensor::Shape m_inputShape;
    tensor::Tensor m_output;
    tensor::Tensor m_inputGrad;
};

} // namespace ts::nn
