#include "tensor/cuda/elementwise.cuh"

#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/grid.cuh"
#include "tensor/dropout_hash.h" // for dropoutUniform, shared with the CPU backend

namespace ts::tensor::cuda_impl {

namespace {

__global__ void fillKernel(float* dst, float value, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride())
        dst[i] = value;
}

__global__ void reluForwardKernel(const float* x, float* y, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] = fmaxf(x[i], 0.0f);
}

__global__ void reluBackwardKernel(const float* y, const float* dy, float* dx, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride())
        dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

__global__ void addRowVectorKernel(float* y, const float* bias, int64_t cols, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] += bias[i % cols];
}

// One thread per column, walking down the rows: neighbouring threads read neighbouring floats
// (coalesced), and the sum runs in the CPU backend's order, so bias gradients match it exactly.
// Rows are a batch (hundreds), so the serial walk is short.
__global__ void sumRowsKernel(const float* x, float* out, int64_t rows, int64_t cols)
{
    for (int64_t j = firstIndex(); j < cols; j += gridStride()) {
        float sum = 0.0f;
        for (int64_t i = 0; i < rows; ++i)
            sum += x[i * cols + j];
        out[j] = sum;
    }
}

__global__ void axpyKernel(float alpha, const float* x, float* y, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride())
        y[i] += alpha * x[i];
}

__global__ void multiplyKernel(const float* a, const float* b, float* out, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride())
        out[i] = a[i] * b[i];
}

__global__ void scaleKernel(float* x, float alpha, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride())
        x[i] *= alpha;
}

// The mask and the product in one pass; `keep` is computed on the host exactly as the CPU
// backend computes it, so mask values (and x * mask, one rounding) are bit-identical.
__global__ void dropoutKernel(const float* x, float p, float keep, uint64_t seed, float* mask,
                              float* y, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const float m = dropoutUniform(seed, static_cast<uint64_t>(i)) < p ? 0.0f : keep;
        mask[i] = m;
        y[i] = x[i] * m;
    }
}

} // namespace

void launchFill(float* dst, float value, int64_t count, cudaStream_t stream)
{
    if (count == 0)
        return;
    fillKernel<<<gridFor(count), BlockSize, 0, stream>>>(dst, value, count);
    CUDA_CHECK_LAUNCH();
}

void launchReluForward(const float* x, float* y, int64_t count, cudaStream_t stream)
{
    if (count == 0)
        return;
    reluForwardKernel<<<gridFor(count), BlockSize, 0, stream>>>(x, y, count);
    CUDA_CHECK_LAUNCH();
}

void launchReluBackward(const float* y, const float* dy, float* dx, int64_t count,
                        cudaStream_t stream)
{
    if (count == 0)
        return;
    reluBackwardKernel<<<gridFor(count), BlockSize, 0, stream>>>(y, dy, dx, count);
    CUDA_CHECK_LAUNCH();
}

void launchAddRowVector(float* y, const float* bias, int64_t rows, int64_t cols,
                        cudaStream_t stream)
{
    const int64_t count = rows * cols;
    if (count == 0)
        return;
    addRowVectorKernel<<<gridFor(count), BlockSize, 0, stream>>>(y, bias, cols, count);
    CUDA_CHECK_LAUNCH();
}

void launchSumRows(const float* x, float* out, int64_t rows, int64_t cols, cudaStream_t stream)
{
    if (cols == 0)
        return;
    sumRowsKernel<<<gridFor(cols), BlockSize, 0, stream>>>(x, out, rows, cols);
    CUDA_CHECK_LAUNCH();
}

void launchAxpy(float alpha, const float* x, float* y, int64_t count, cudaStream_t stream)
{
    if (count == 0)
        return;
    axpyKernel<<<gridFor(count), BlockSize, 0, stream>>>(alpha, x, y, count);
    CUDA_CHECK_LAUNCH();
}

void launchMultiply(const float* a, const float* b, float* out, int64_t count, cudaStream_t stream)
{
    if (count == 0)
        return;
    multiplyKernel<<<gridFor(count), BlockSize, 0, stream>>>(a, b, out, count);
    CUDA_CHECK_LAUNCH();
}

void launchScale(float* x, float alpha, int64_t count, cudaStream_t stream)
{
    if (count == 0)
        return;
    scaleKernel<<<gridFor(count), BlockSize, 0, stream>>>(x, alpha, count);
    CUDA_CHECK_LAUNCH();
}

void launchDropout(const float* x, float p, float keep, uint64_t seed, float* mask, float* y,
                   int64_t count, cudaStream_t stream)
{
    if (count == 0)
        return;
    dropoutKernel<<<gridFor(count), BlockSize, 0, stream>>>(x, p, keep, seed, mask, y, count);
    CUDA_CHECK_LAUNCH();
}

} // namespace ts::tensor::cuda_impl
