// Element-wise and broadcast kernels of the CUDA backend: fill, ReLU, bias add, bias gradient,
// axpy, products, scaling and dropout.
//
// Launchers only: the kernels stay inside elementwise.cu. Every launcher queues its kernel on
// `stream` and returns at once; launch errors abort (CUDA_CHECK). Pointers are device memory,
// matrices are row-major rows x cols. Plain C++17, so both g++ (C++20) and nvcc include it.
//
// Numerics: the .cu file is compiled without FMA contraction (see CMakeLists.txt), so each
// expression rounds exactly as the CPU backend's loop does and the results agree bit for bit.
#pragma once

#include <cuda_runtime_api.h> // for cudaStream_t

#include <cstdint>

namespace ts::tensor::cuda_impl {

// dst[i] = value for i < count.
void launchFill(float* dst, float value, int64_t count, cudaStream_t stream);

// y = max(x, 0); y may be x.
void launchReluForward(const float* x, float* y, int64_t count, cudaStream_t stream);

// dx = dy where y > 0, else 0; dx may be dy.
void launchReluBackward(const float* y, const float* dy, float* dx, int64_t count,
                        cudaStream_t stream);

// y[i, j] += bias[j].
void launchAddRowVector(float* y, const float* bias, int64_t rows, int64_t cols,
                        cudaStream_t stream);

// out[j] = sum over i of x[i, j], summed in row order like the CPU backend.
void launchSumRows(const float* x, float* out, int64_t rows, int64_t cols, cudaStream_t stream);

// y += alpha * x.
void launchAxpy(float alpha, const float* x, float* y, int64_t count, cudaStream_t stream);

// out = a * b; out may be a or b.
void launchMultiply(const float* a, const float* b, float* out, int64_t count, cudaStream_t stream);

// x *= alpha.
void launchScale(float* x, float alpha, int64_t count, cudaStream_t stream);

// Inverted dropout: mask[i] = dropoutUniform(seed, i) < p ? 0 : keep, y[i] = x[i] * mask[i].
// `keep` is 1 / (1 - p), computed by the caller in float as the CPU backend does. y may be x.
void launchDropout(const float* x, float p, float keep, uint64_t seed, float* mask, float* y,
                   int64_t count, cudaStream_t stream);

} // namespace ts::tensor::cuda_impl
