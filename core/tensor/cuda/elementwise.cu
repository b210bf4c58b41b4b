#include "tensor/cuda/elementwise.cuh"

#include "tensor/cuda/cuda_check.h"

#include <algorithm>

namespace ts::tensor::cuda_impl {

namespace {

constexpr int BlockSize = 256;
// Enough blocks to fill an H100 several times over; grid-stride loops cover the rest, so huge
// tensors do not launch millions of short-lived blocks.
constexpr int64_t MaxBlocks = 4096;

int gridFor(int64_t count)
{
    return static_cast<int>(std::min<int64_t>((count + BlockSize - 1) / BlockSize, MaxBlocks));
}

__device__ int64_t firstIndex()
{
    return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

__device__ int64_t gridStride()
{
    return static_cast<int64_t>(blockDim.x) * gridDim.x;
}

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

} // namespace ts::tensor::cuda_impl
