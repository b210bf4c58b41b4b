// Batch normalisation of the CUDA backend over the matrix view rows x channels (rows = samples x
// pixels of NHWC images), forward in training and inference mode, and backward (launchers;
// kernels in the .cu).
//
// The per-channel sums run in double and are deterministic: a grid of (channel tile, row chunk)
// blocks writes one partial per chunk and channel, and a second kernel adds each channel's
// partials in chunk order. Like the CPU backend, the statistics take two passes (the mean, then
// squared deviations from it, so a large mean does not cancel the variance away), the per-channel
// constants are derived in double, and the element pass is a float affine map x * scale + shift.
// Only the order of the double sums differs from the CPU.
//
// The launchers need device scratch, `workspace`, which the caller allocates on the same stream.
// Queued on `stream`; pointers are device memory. Plain C++17, so both g++ (C++20) and nvcc
// include it.
#pragma once

#include <cuda_runtime_api.h> // for cudaStream_t

#include <cstdint>

namespace ts::tensor::cuda_impl {

struct BatchNormShape
{
    int64_t rows;
    int64_t channels;
};

// The workspace, in floats, of launchBatchNormTraining and launchBatchNormBackward.
int64_t batchNormWorkspaceFloats(BatchNormShape shape);
// The workspace, in floats, of launchBatchNormInference.
int64_t batchNormInferenceWorkspaceFloats(BatchNormShape shape);

// Training mode, per channel c, in double: mean, biased var, invStd = 1 / sqrt(var + epsilon);
// savedMean = mean and savedInvStd = invStd (rounded to float); running = (1 - momentum) *
// running + momentum * batch, with the unbiased var * rows / (rows - 1) (var itself for one row);
// y = x * scale + shift with scale = gamma * invStd, shift = beta - mean * gamma * invStd.
// y may be x.
void launchBatchNormTraining(const float* x, const float* gamma, const float* beta,
                             float* runningMean, float* runningVar, float momentum, float epsilon,
                             float* savedMean, float* savedInvStd, float* y, BatchNormShape shape,
                             float* workspace, cudaStream_t stream);

// Inference mode: the affine map above with the running mean and variance. y may be x.
void launchBatchNormInference(const float* x, const float* gamma, const float* beta,
                              const float* runningMean, const float* runningVar, float epsilon,
                              float* y, BatchNormShape shape, float* workspace,
                              cudaStream_t stream);

// Gradients of the training-mode forward, with xhat = (x - savedMean) * savedInvStd:
//   dbeta = sum dy;  dgamma = sum dy * xhat (both sums in double, xhat in double);
//   dx = k * (dy - a - xhat * b) with k = gamma * invStd, a = dbeta / rows, b = dgamma / rows
// rounded to float per channel and xhat in float. dx may be dy or x.
void launchBatchNormBackward(const float* x, const float* dy, const float* gamma,
                             const float* savedMean, const float* savedInvStd, float* dx,
                             float* dgamma, float* dbeta, BatchNormShape shape, float* workspace,
                             cudaStream_t stream);

} // namespace ts::tensor::cuda_impl
