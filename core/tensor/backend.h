// Backend: the one interface between the engine (layers, optimizers) and a device.
//
// The engine never touches device memory itself: it asks a Backend to allocate, to move bytes and
// to run ops, the way ggml's backend interface separates graph code from kernels. A backend is
// either built in (CPU, on OpenBLAS) or a plugin loaded at run time (CUDA, see
// backend_registry.h), so one binary runs on machines with and without a GPU.
//
// Conventions for every op:
//  - all tensors are float32, contiguous, row-major, and allocated by this same backend;
//  - a "matrix" view of a tensor is rows() x cols();
//  - labels are class indices stored as floats (exact up to 2^24 classes);
//  - ops are asynchronous on devices that queue work: results are visible to download() and to
//    later ops; download() and the ops that return a host value synchronise.
//
// THREAD SAFETY: a Backend object is used by one thread at a time (one per training rank).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ts::tensor {

class Tensor;

enum class DeviceKind { Cpu, Cuda };

enum class Transpose { No, Yes };

class Backend
{
public:
    virtual ~Backend() = default;

    // Human-readable name with the device and library, e.g. "CPU (OpenBLAS 0.3.21, 2 threads)".
    virtual std::string name() const = 0;
    virtual DeviceKind kind() const = 0;

    // --- memory -----------------------------------------------------------------------------
    // Allocates `count` floats; aborts on exhaustion (training cannot continue without memory).
    virtual float* allocate(size_t count) = 0;
    virtual void deallocate(float* data) noexcept = 0;
    // Host -> backend and backend -> host copies of `count` floats.
    virtual void upload(float* dst, const float* src, size_t count) = 0;
    virtual void download(float* dst, const float* src, size_t count) = 0;
    virtual void fill(float* dst, float value, size_t count) = 0;
    // Waits until every queued op has finished (no-op on the CPU).
    virtual void synchronize() {}

    // --- linear algebra ---------------------------------------------------------------------
    // c = alpha * op(a) * op(b) + beta * c, on the matrix views of a, b and c.
    virtual void gemm(Transpose transA, Transpose transB, float alpha, const Tensor& a,
                      const Tensor& b, float beta, Tensor& c) = 0;
    // y[i, j] += bias[j] for every row i.
    virtual void addRowVector(Tensor& y, const Tensor& bias) = 0;
    // out[j] = sum over rows i of x[i, j] (the gradient of a bias).
    virtual void sumRows(const Tensor& x, Tensor& out) = 0;

    // --- activations ------------------------------------------------------------------------
    // y = max(x, 0); y may be x.
    virtual void reluForward(const Tensor& x, Tensor& y) = 0;
    // dx = dy where y > 0, else 0; dx may be dy.
    virtual void reluBackward(const Tensor& y, const Tensor& dy, Tensor& dx) = 0;

    // --- losses and metrics -----------------------------------------------------------------
    // Mean softmax cross-entropy of `logits` (n x classes) against `labels` (n class indices).
    // When `dlogits` is not null it receives the gradient of the mean: (softmax - onehot) / n.
    // Returns the mean loss (synchronises).
    virtual float softmaxCrossEntropy(const Tensor& logits, const Tensor& labels,
                                      Tensor* dlogits) = 0;
    // Number of rows whose arg-max of `logits` equals the label (synchronises).
    virtual int64_t countCorrect(const Tensor& logits, const Tensor& labels) = 0;

    // --- optimizers -------------------------------------------------------------------------
    // SGD with momentum, as PyTorch defines it:
    //   g' = g + weightDecay * w;  v = momentum * v + g';  w -= learningRate * v
    virtual void sgdMomentumStep(Tensor& weights, const Tensor& grad, Tensor& velocity,
                                 float learningRate, float momentum, float weightDecay) = 0;
};

} // namespace ts::tensor
