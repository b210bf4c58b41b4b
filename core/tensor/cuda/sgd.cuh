// The SGD-with-momentum update of the CUDA backend (launcher; the kernel is in sgd.cu).
// Plain C++17, so both g++ (C++20) and nvcc include it.
#pragma once

#include <cuda_runtime_api.h> // for cudaStream_t

#include <cstdint>

namespace ts::tensor::cuda_impl {

// For every i < count, as PyTorch defines momentum SGD (and as the CPU backend computes it):
//   v[i] = momentum * v[i] + g[i] + weightDecay * w[i];  w[i] -= learningRate * v[i]
// Queued on `stream`; all pointers are device memory.
void launchSgdMomentumStep(float* w, const float* g, float* v, int64_t count, float learningRate,
                           float momentum, float weightDecay, cudaStream_t stream);

} // namespace ts::tensor::cuda_impl
