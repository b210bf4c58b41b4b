// Softmax cross-entropy and arg-max accuracy of the CUDA backend (launchers; kernels in the .cu).
//
// Row-wise ops: one thread block per row of the logits (n x classes), sized to the class count
// (32 to 256 threads), which suits classifiers with up to a few thousand classes. The few numbers
// that go back to the host are gathered in one LossResult, so a loss costs one small copy.
// Plain C++17, so both g++ (C++20) and nvcc include it.
#pragma once

#include <cuda_runtime_api.h> // for cudaStream_t

#include <cstdint>

namespace ts::tensor::cuda_impl {

// Lives in device memory; the caller zeroes it (cudaMemsetAsync) before the launches below.
struct LossResult
{
    float meanLoss;
    unsigned badLabels; // rows whose label is not a class index in [0, classes)
    unsigned long long correct;
};

// For each row i with label y: rowLoss[i] = log(sum_j exp(z_j - max z)) - (z_y - max z), the
// numerically stable form. When dlogits is not null it receives (softmax(z) - onehot(y)) / rows.
// A row with an invalid label counts in result->badLabels and gets a NaN loss.
void launchSoftmaxCrossEntropy(const float* logits, const float* labels, float* dlogits,
                               float* rowLoss, int64_t rows, int64_t classes, LossResult* result,
                               cudaStream_t stream);

// result->meanLoss = mean of rowLoss[0, rows), accumulated in double like the CPU backend.
void launchMeanLoss(const float* rowLoss, int64_t rows, LossResult* result, cudaStream_t stream);

// result->correct += the rows whose first arg-max equals the label (ties go to the lowest class,
// as std::max_element does); invalid labels count in result->badLabels.
void launchCountCorrect(const float* logits, const float* labels, int64_t rows, int64_t classes,
                        LossResult* result, cudaStream_t stream);

} // namespace ts::tensor::cuda_impl
