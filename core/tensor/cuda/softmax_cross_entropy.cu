#include "tensor/cuda/softmax_cross_entropy.cuh"

#include "tensor/cuda/cuda_check.h"

#include <climits>
#include <cmath>

namespace ts::tensor::cuda_impl {

namespace {

constexpr int WarpSize = 32;
constexpr unsigned FullMask = 0xffffffffu;
constexpr int MeanBlockSize = 256;

// The smallest power of two from 32 to 256 that covers the row, so 10-class rows do not leave
// seven of eight warps idle.
int threadsForRow(int64_t classes)
{
    int threads = WarpSize;
    while (threads < classes && threads < 256)
        threads *= 2;
    return threads;
}

struct MaxOp
{
    __device__ float operator()(float a, float b) const { return fmaxf(a, b); }
};

struct SumOp
{
    template <typename T> __device__ T operator()(T a, T b) const { return a + b; }
};

template <typename T, typename Op> __device__ T warpReduce(T v, Op op)
{
    for (int offset = WarpSize / 2; offset > 0; offset /= 2)
        v = op(v, __shfl_xor_sync(FullMask, v, offset));
    return v;
}

// Every thread of the block gets the reduction of `v` (blockDim.x: a multiple of 32).
template <typename T, typename Op> __device__ T blockReduce(T v, Op op, T identity)
{
    __shared__ T partial[WarpSize];
    v = warpReduce(v, op);
    if (blockDim.x == WarpSize)
        return v;
    const unsigned lane = threadIdx.x % WarpSize;
    __syncthreads(); // a previous reduction may still be reading `partial`
    if (lane == 0)
        partial[threadIdx.x / WarpSize] = v;
    __syncthreads();
    v = lane < blockDim.x / WarpSize ? partial[lane] : identity;
    return warpReduce(v, op);
}

// The label of a row as a class index, or -1 when it is none (negative, too large, NaN).
__device__ int64_t classIndex(float label, int64_t classes)
{
    const bool valid = label >= 0.0f && label < static_cast<float>(classes);
    return valid ? static_cast<int64_t>(label) : -1;
}

__global__ void softmaxCrossEntropyKernel(const float* logits, const float* labels, float* dlogits,
                                          float* rowLoss, int64_t classes, float invRows,
                                          LossResult* result)
{
    const int64_t row = blockIdx.x;
    const float* z = logits + row * classes;
    const int64_t label = classIndex(labels[row], classes);

    float zMax = -INFINITY;
    for (int64_t j = threadIdx.x; j < classes; j += blockDim.x)
        zMax = fmaxf(zMax, z[j]);
    zMax = blockReduce(zMax, MaxOp(), -INFINITY);

    float sum = 0.0f;
    for (int64_t j = threadIdx.x; j < classes; j += blockDim.x)
        sum += expf(z[j] - zMax);
    sum = blockReduce(sum, SumOp(), 0.0f);

    const float zLabel = label >= 0 ? z[label] : 0.0f;
    if (threadIdx.x == 0) {
        rowLoss[row] = label >= 0 ? logf(sum) - (zLabel - zMax) : NAN;
        if (label < 0)
            atomicAdd(&result->badLabels, 1u);
    }
    if (!dlogits)
        return;
    // dlogits may alias logits: every thread must have read z[label] before anyone writes.
    __syncthreads();
    float* d = dlogits + row * classes;
    const float invSum = 1.0f / sum;
    for (int64_t j = threadIdx.x; j < classes; j += blockDim.x)
        d[j] = expf(z[j] - zMax) * invSum * invRows - (j == label ? invRows : 0.0f);
}

__global__ void meanLossKernel(const float* rowLoss, int64_t rows, LossResult* result)
{
    double sum = 0.0;
    for (int64_t i = threadIdx.x; i < rows; i += blockDim.x)
        sum += rowLoss[i];
    sum = blockReduce(sum, SumOp(), 0.0);
    if (threadIdx.x == 0)
        result->meanLoss = static_cast<float>(sum / static_cast<double>(rows));
}

// Keeps the larger value, and on a tie the lower class, so the result does not depend on
// which thread saw which column.
__device__ void keepBetter(float& value, int& index, float otherValue, int otherIndex)
{
    if (otherValue > value || (otherValue == value && otherIndex < index)) {
        value = otherValue;
        index = otherIndex;
    }
}

__device__ void warpArgMax(float& value, int& index)
{
    for (int offset = WarpSize / 2; offset > 0; offset /= 2) {
        const float otherValue = __shfl_xor_sync(FullMask, value, offset);
        const int otherIndex = __shfl_xor_sync(FullMask, index, offset);
        keepBetter(value, index, otherValue, otherIndex);
    }
}

__global__ void countCorrectKernel(const float* logits, const float* labels, int classes,
                                   LossResult* result)
{
    __shared__ float values[WarpSize];
    __shared__ int indices[WarpSize];
    const int64_t row = blockIdx.x;
    const float* z = logits + row * classes;

    float best = -INFINITY;
    int bestIndex = INT_MAX; // loses every tie, so an all -inf row still picks class 0
    for (int j = threadIdx.x; j < classes; j += blockDim.x)
        keepBetter(best, bestIndex, z[j], j);
    warpArgMax(best, bestIndex);
    if (blockDim.x > WarpSize) {
        const unsigned lane = threadIdx.x % WarpSize;
        if (lane == 0) {
            values[threadIdx.x / WarpSize] = best;
            indices[threadIdx.x / WarpSize] = bestIndex;
        }
        __syncthreads();
        const bool filled = lane < blockDim.x / WarpSize;
        best = filled ? values[lane] : -INFINITY;
        bestIndex = filled ? indices[lane] : INT_MAX;
        warpArgMax(best, bestIndex);
    }
    if (threadIdx.x != 0)
        return;
    const int64_t label = classIndex(labels[row], classes);
    if (label < 0)
        atomicAdd(&result->badLabels, 1u);
    else if (bestIndex == label)
        atomicAdd(&result->correct, 1ull);
}

} // namespace

void launchSoftmaxCrossEntropy(const float* logits, const float* labels, float* dlogits,
                               float* rowLoss, int64_t rows, int64_t classes, LossResult* result,
                               cudaStream_t stream)
{
    if (rows == 0)
        return;
    const float invRows = 1.0f / static_cast<float>(rows);
    softmaxCrossEntropyKernel<<<static_cast<unsigned>(rows), threadsForRow(classes), 0, stream>>>(
            logits, labels, dlogits, rowLoss, classes, invRows, result);
    CUDA_CHECK_LAUNCH();
}

void launchMeanLoss(const float* rowLoss, int64_t rows, LossResult* result, cudaStream_t stream)
{
    // Launched even for zero rows: 0 / 0 gives the NaN the CPU backend returns.
    meanLossKernel<<<1, MeanBlockSize, 0, stream>>>(rowLoss, rows, result);
    CUDA_CHECK_LAUNCH();
}

void launchCountCorrect(const float* logits, const float* labels, int64_t rows, int64_t classes,
                        LossResult* result, cudaStream_t stream)
{
    if (rows == 0)
        return;
    countCorrectKernel<<<static_cast<unsigned>(rows), threadsForRow(classes), 0, stream>>>(
            logits, labels, static_cast<int>(classes), result);
    CUDA_CHECK_LAUNCH();
}

} // namespace ts::tensor::cuda_impl
