// Reductions of the CUDA backend to one double: the sum of squares (gradient-norm clipping) and
// the squared error of the MSE loss, with the loss gradient written in the same pass.
//
// Two launches, deterministic: a grid of at most ReducePartialsMax blocks, each summing a fixed
// grid-stride slice of the input in double, writes one partial; one block then adds the partials
// up in a fixed tree order. The same input on the same GPU always gives the same bits; against
// the CPU backend's sequential double sum only double rounding differs (far below float).
//
// Launchers only: queued on `stream`, pointers are device memory. `partials` must hold
// ReducePartialsMax doubles and `result` one double; the caller copies *result back.
// Plain C++17, so both g++ (C++20) and nvcc include it.
#pragma once

#include <cuda_runtime_api.h> // for cudaStream_t

#include <cstdint>

namespace ts::tensor::cuda_impl {

constexpr int ReducePartialsMax = 1024;

// *result = sum of double(x[i])^2 over i < count (0 when count is 0).
void launchSumOfSquares(const float* x, int64_t count, double* partials, double* result,
                        cudaStream_t stream);

// *result = sum of (double(pred[i]) - double(target[i]))^2. When dpred is not null it receives
// factor * (pred[i] - target[i]) in float (factor = 2 / count for the mean); dpred may be pred.
void launchSquaredError(const float* pred, const float* target, float* dpred, float factor,
                        int64_t count, double* partials, double* result, cudaStream_t stream);

} // namespace ts::tensor::cuda_impl
