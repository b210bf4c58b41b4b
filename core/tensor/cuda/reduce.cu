#include "tensor/cuda/reduce.cuh"

#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/grid.cuh"

#include <algorithm>

namespace ts::tensor::cuda_impl {

namespace {

constexpr int WarpSize = 32;
constexpr unsigned FullMask = 0xffffffffu;

__device__ double warpSum(double v)
{
    for (int offset = WarpSize / 2; offset > 0; offset /= 2)
        v += __shfl_xor_sync(FullMask, v, offset);
    return v;
}

// The block's total in thread 0 (blockDim.x: a multiple of 32, at most 1024). The tree is fixed
// by the block size, so the sum's rounding does not depend on scheduling.
__device__ double blockSum(double v)
{
    __shared__ double partial[WarpSize];
    v = warpSum(v);
    const unsigned lane = threadIdx.x % WarpSize;
    if (lane == 0)
        partial[threadIdx.x / WarpSize] = v;
    __syncthreads();
    v = lane < blockDim.x / WarpSize ? partial[lane] : 0.0;
    return threadIdx.x < WarpSize ? warpSum(v) : 0.0;
}

__global__ void sumOfSquaresKernel(const float* x, int64_t count, double* partials)
{
    double sum = 0.0;
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const double v = x[i];
        sum += v * v;
    }
    sum = blockSum(sum);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = sum;
}

__global__ void squaredErrorKernel(const float* pred, const float* target, float* dpred,
                                   float factor, int64_t count, double* partials)
{
    double sum = 0.0;
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const float p = pred[i];
        const float t = target[i];
        const double d = static_cast<double>(p) - static_cast<double>(t);
        sum += d * d;
        if (dpred)
            dpred[i] = factor * (p - t); // after the reads: dpred may be pred
    }
    sum = blockSum(sum);
    if (threadIdx.x == 0)
        partials[blockIdx.x] = sum;
}

__global__ void sumPartialsKernel(const double* partials, int count, double* result)
{
    double sum = 0.0;
    for (int i = threadIdx.x; i < count; i += blockDim.x)
        sum += partials[i];
    sum = blockSum(sum);
    if (threadIdx.x == 0)
        *result = sum;
}

int partialsFor(int64_t count)
{
    return static_cast<int>(
            std::min<int64_t>((count + BlockSize - 1) / BlockSize, ReducePartialsMax));
}

// Launched even for an empty input, so that *result is written (0).
void sumPartials(const double* partials, int count, double* result, cudaStream_t stream)
{
    sumPartialsKernel<<<1, ReducePartialsMax, 0, stream>>>(partials, count, result);
    CUDA_CHECK_LAUNCH();
}

} // namespace

void launchSumOfSquares(const float* x, int64_t count, double* partials, double* result,
                        cudaStream_t stream)
{
    const int blocks = partialsFor(count);
    if (blocks > 0) {
        sumOfSquaresKernel<<<blocks, BlockSize, 0, stream>>>(x, count, partials);
        CUDA_CHECK_LAUNCH();
    }
    sumPartials(partials, blocks, result, stream);
}

void launchSquaredError(const float* pred, const float* target, float* dpred, float factor,
                        int64_t count, double* partials, double* result, cudaStream_t stream)
{
    const int blocks = partialsFor(count);
    if (blocks > 0) {
        squaredErrorKernel<<<blocks, BlockSize, 0, stream>>>(pred, target, dpred, factor, count,
                                                             partials);
        CUDA_CHECK_LAUNCH();
    }
    sumPartials(partials, blocks, result, stream);
}

} // namespace ts::tensor::cuda_impl
