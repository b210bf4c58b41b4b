#include "tensor/cuda/sgd.cuh"

#include "tensor/cuda/cuda_check.h"

#include <algorithm>

namespace ts::tensor::cuda_impl {

namespace {

constexpr int BlockSize = 256;
constexpr int64_t MaxBlocks = 4096;

__global__ void sgdMomentumKernel(float* w, const float* g, float* v, int64_t count,
                                  float learningRate, float momentum, float weightDecay)
{
    const int64_t stride = static_cast<int64_t>(blockDim.x) * gridDim.x;
    for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
         i += stride) {
        const float velocity = momentum * v[i] + g[i] + weightDecay * w[i];
        v[i] = velocity;
        w[i] -= learningRate * velocity;
    }
}

} // namespace

void launchSgdMomentumStep(float* w, const float* g, float* v, int64_t count, float learningRate,
                           float momentum, float weightDecay, cudaStream_t stream)
{
    if (count == 0)
        return;
    const auto blocks =
            static_cast<int>(std::min<int64_t>((count + BlockSize - 1) / BlockSize, MaxBlocks));
    sgdMomentumKernel<<<blocks, BlockSize, 0, stream>>>(w, g, v, count, learningRate, momentum,
                                                        weightDecay);
    CUDA_CHECK_LAUNCH();
}

} // namespace ts::tensor::cuda_impl
