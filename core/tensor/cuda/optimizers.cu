#include "tensor/cuda/optimizers.cuh"

#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/grid.cuh"

namespace ts::tensor::cuda_impl {

namespace {

__global__ void sgdMomentumKernel(float* w, const float* g, float* v, int64_t count,
                                  float learningRate, float momentum, float weightDecay)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const float velocity = momentum * v[i] + g[i] + weightDecay * w[i];
        v[i] = velocity;
        w[i] -= learningRate * velocity;
    }
}

// Nesterov looks ahead along the new velocity: the step uses g' + momentum * v, not v.
__global__ void sgdNesterovKernel(float* w, const float* g, float* v, int64_t count,
                                  float learningRate, float momentum, float weightDecay)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const float decayed = g[i] + weightDecay * w[i];
        const float velocity = momentum * v[i] + decayed;
        v[i] = velocity;
        w[i] -= learningRate * (decayed + momentum * velocity);
    }
}

__global__ void adamKernel(float* w, const float* g, float* m, float* v, int64_t count,
                           AdamConstants c)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const float weight = w[i];
        const float gi = g[i] + c.coupled * weight;
        const float mean = c.beta1 * m[i] + c.oneMinusBeta1 * gi;
        const float var = c.beta2 * v[i] + c.oneMinusBeta2 * gi * gi;
        m[i] = mean;
        v[i] = var;
        const float denominator = sqrtf(var) * c.invSqrtCorrection2 + c.epsilon;
        w[i] = weight * c.decay - c.stepSize * mean / denominator;
    }
}

} // namespace

void launchSgdMomentumStep(float* w, const float* g, float* v, int64_t count, float learningRate,
                           float momentum, float weightDecay, bool nesterov, cudaStream_t stream)
{
    if (count == 0)
        return;
    if (nesterov)
        sgdNesterovKernel<<<gridFor(count), BlockSize, 0, stream>>>(w, g, v, count, learningRate,
                                                                    momentum, weightDecay);
    else
        sgdMomentumKernel<<<gridFor(count), BlockSize, 0, stream>>>(w, g, v, count, learningRate,
                                                                    momentum, weightDecay);
    CUDA_CHECK_LAUNCH();
}

void launchAdamStep(float* w, const float* g, float* m, float* v, int64_t count,
                    const AdamConstants& constants, cudaStream_t stream)
{
    if (count == 0)
        return;
    adamKernel<<<gridFor(count), BlockSize, 0, stream>>>(w, g, m, v, count, constants);
    CUDA_CHECK_LAUNCH();
}

} // namespace ts::tensor::cuda_impl
