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

// The geometry of a 2-D window sliding over images stored NHWC (batch, height, width, channels),
// shared by convolutions and pooling. Output size per axis:
//   out = (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1
struct WindowGeometry
{
    int64_t batch = 0;
    int64_t height = 0;
    int64_t width = 0;
    int64_t channels = 0;
    int64_t kernelH = 1, kernelW = 1;
    int64_t strideH = 1, strideW = 1;
    int64_t padH = 0, padW = 0;
    int64_t dilationH = 1, dilationW = 1;

    int64_t outHeight() const
    {
        return (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1;
    }
    int64_t outWidth() const
    {
        return (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1;
    }
    // Rows of the im2col matrix: one per output pixel of every image.
    int64_t patchCount() const { return batch * outHeight() * outWidth(); }
    // Columns of the im2col matrix: one patch, ordered (kh, kw, channel).
    int64_t patchSize() const { return kernelH * kernelW * channels; }
};

// Batch normalisation settings (statistics over every axis but the last, the channel).
struct BatchNormOptions
{
    float momentum = 0.1f; // running = (1 - momentum) * running + momentum * batch (PyTorch)
    float epsilon = 1e-5f;
};

// Adam / AdamW hyper-parameters and the 1-based step count for bias correction.
struct AdamOptions
{
    float learningRate = 1e-3f;
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float epsilon = 1e-8f;
    float weightDecay = 0.0f;
    bool decoupledWeightDecay = false; // AdamW: w -= lr * wd * w, instead of adding wd * w to g
    int64_t step = 1;
};

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
    // Optional: host memory for batches on their way to the device. CUDA gives page-locked
    // memory, from which upload() is a true asynchronous DMA that overlaps with queued work; the
    // caller must then leave the source untouched until the backend next synchronises
    // (synchronize(), download(), or an op that returns a host value). Default: plain memory.
    virtual float* allocateHost(size_t count) { return new float[count]; }
    virtual void deallocateHost(float* data) noexcept { delete[] data; }

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

    // --- element-wise -----------------------------------------------------------------------
    // y += alpha * x (residual connections, gradient accumulation).
    virtual void axpy(float alpha, const Tensor& x, Tensor& y) = 0;
    // out = a * b element by element (dropout masks); out may be a or b.
    virtual void multiply(const Tensor& a, const Tensor& b, Tensor& out) = 0;
    // x *= alpha.
    virtual void scale(Tensor& x, float alpha) = 0;
    // Sum of x[i]^2 in double precision (gradient-norm clipping; synchronises).
    virtual double sumOfSquares(const Tensor& x) = 0;

    // --- convolution and pooling (NHWC) -----------------------------------------------------
    // columns (patchCount x patchSize) = the patches of `images` (batch x height x width x
    // channels); padding reads as 0. A convolution is then one gemm with the weights.
    virtual void im2col(const Tensor& images, const WindowGeometry& g, Tensor& columns) = 0;
    // The adjoint of im2col: images = 0, then every patch entry is added back to the pixel it
    // came from (the input gradient of a convolution).
    virtual void col2im(const Tensor& columns, const WindowGeometry& g, Tensor& images) = 0;
    // y (batch x outHeight x outWidth x channels) = the maximum of each window; padded
    // positions never win.
    virtual void maxPoolForward(const Tensor& x, const WindowGeometry& g, Tensor& y) = 0;
    // dx = 0, then each dy goes to the first position (in kh, kw order) of its window where x
    // equals y.
    virtual void maxPoolBackward(const Tensor& x, const Tensor& y, const Tensor& dy,
                                 const WindowGeometry& g, Tensor& dx) = 0;
    // y = the mean of each window, padding counted as zeros (PyTorch count_include_pad=True).
    virtual void avgPoolForward(const Tensor& x, const WindowGeometry& g, Tensor& y) = 0;
    virtual void avgPoolBackward(const Tensor& dy, const WindowGeometry& g, Tensor& dx) = 0;

    // --- normalisation and regularisation ---------------------------------------------------
    // Batch norm over the matrix view (rows = samples x pixels, cols = channels).
    // Training: normalises with the batch statistics, stores the mean and 1/sqrt(var + eps)
    // (biased variance) in savedMean/savedInvStd, and updates the running statistics with the
    // unbiased variance, as PyTorch does. Inference (training = false) normalises with the
    // running statistics and leaves saved* untouched. y = gamma * xhat + beta.
    virtual void batchNormForward(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                  Tensor& runningMean, Tensor& runningVar, bool training,
                                  const BatchNormOptions& options, Tensor& savedMean,
                                  Tensor& savedInvStd, Tensor& y) = 0;
    // Gradients of a training-mode forward: dx, dgamma and dbeta (all overwritten).
    virtual void batchNormBackward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                   const Tensor& savedMean, const Tensor& savedInvStd, Tensor& dx,
                                   Tensor& dgamma, Tensor& dbeta) = 0;
    // Inverted dropout: mask[i] = 0 when dropoutUniform(seed, i) < p, else 1 / (1 - p);
    // y = x * mask. The mask depends only on (seed, i) (tensor/dropout_hash.h), so every
    // backend draws the same one. The backward pass is multiply(dy, mask, dx).
    virtual void dropoutForward(const Tensor& x, float p, uint64_t seed, Tensor& mask,
                                Tensor& y) = 0;

    // --- losses -----------------------------------------------------------------------------
    // Mean squared error over every element; dpred (optional) = 2 (pred - target) / size.
    // Returns the loss (synchronises).
    virtual float meanSquaredError(const Tensor& pred, const Tensor& target, Tensor* dpred) = 0;

    // --- optimizers -------------------------------------------------------------------------
    // SGD with momentum, as PyTorch defines it:
    //   g' = g + weightDecay * w;  v = momentum * v + g';  w -= learningRate * v
    // With `nesterov`: w -= learningRate * (g' + momentum * v).
    virtual void sgdMomentumStep(Tensor& weights, const Tensor& grad, Tensor& velocity,
                                 float learningRate, float momentum, float weightDecay,
                                 bool nesterov) = 0;
    // Adam, and AdamW with decoupledWeightDecay, as torch.optim.Adam/AdamW define them:
    //   Adam: g' = g + wd * w;  AdamW: w -= lr * wd * w, g' = g
    //   m = b1 m + (1 - b1) g';  v = b2 v + (1 - b2) g'^2
    //   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
    virtual void adamStep(Tensor& weights, const Tensor& grad, Tensor& m, Tensor& v,
                          const AdamOptions& options) = 0;

    // --- collectives across devices (optional: NCCL on CUDA) --------------------------------
    // A group of `ranks` devices, one per rank, that sum buffers among themselves without the
    // host. The backends without (the CPU; CUDA where libnccl.so.2 cannot be loaded) say why not
    // in collectivesMissing(); the data-parallel strategy then sums through host memory.
    // Rank 0 makes the group's id (makeCollectiveId), hands it to the others over the data
    // plane, and every rank joins with it; the calls return an empty string or the reason.
    virtual std::string collectivesMissing() const { return "the " + name() + " has none"; }
    virtual std::string makeCollectiveId(std::string& /*id*/) { return collectivesMissing(); }
    virtual std::string joinCollective(const std::string& /*id*/, int /*rank*/, int /*ranks*/)
    {
        return collectivesMissing();
    }
    // data (count floats allocated by this backend) = its sum over the group, queued after the
    // ops before it like any op; synchronize() waits for it.
    virtual std::string allReduceSum(float* /*data*/, size_t /*count*/)
    {
        return collectivesMissing();
    }
};

} // namespace ts::tensor
