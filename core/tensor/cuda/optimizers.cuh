// The optimizer updates of the CUDA backend: SGD with momentum (plain or Nesterov) and Adam /
// AdamW, each one fused element-wise pass over a parameter (launchers; kernels in the .cu).
//
// Each kernel evaluates the CPU backend's float expressions in the same order, and the .cu file
// is compiled without FMA contraction (see CMakeLists.txt): with IEEE division and square root
// (nvcc's defaults) an update gives the CPU backend's bits. Queued on `stream`; all pointers are
// device memory. Plain C++17, so both g++ (C++20) and nvcc include it.
#pragma once

#include <cuda_runtime_api.h> // for cudaStream_t

#include <cstdint>

namespace ts::tensor::cuda_impl {

// For every i < count, as PyTorch defines momentum SGD (and as the CPU backend computes it):
//   g' = g[i] + weightDecay * w[i];  v[i] = momentum * v[i] + g';
//   w[i] -= learningRate * v[i], or with `nesterov` w[i] -= learningRate * (g' + momentum * v[i])
void launchSgdMomentumStep(float* w, const float* g, float* v, int64_t count, float learningRate,
                           float momentum, float weightDecay, bool nesterov, cudaStream_t stream);

// The per-step constants of Adam, derived on the host in double exactly as the CPU backend does.
struct AdamConstants
{
    float beta1, beta2;
    float oneMinusBeta1, oneMinusBeta2; // 1 - beta, rounded to float as the CPU loop does
    float epsilon;
    float stepSize;           // learningRate / (1 - beta1^t)
    float invSqrtCorrection2; // 1 / sqrt(1 - beta2^t)
    float decay;              // AdamW: 1 - learningRate * weightDecay; Adam: 1
    float coupled;            // Adam: weightDecay added to the gradient; AdamW: 0
};

// For every i < count:
//   g' = g[i] + coupled * w[i];  m = beta1 m + (1 - beta1) g';  v = beta2 v + (1 - beta2) g'^2;
//   w[i] = w[i] * decay - stepSize * m / (sqrt(v) * invSqrtCorrection2 + epsilon)
void launchAdamStep(float* w, const float* g, float* m, float* v, int64_t count,
                    const AdamConstants& constants, cudaStream_t stream);

} // namespace ts::tensor::cuda_impl
