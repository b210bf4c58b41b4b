// The CPU backend: matrix products on OpenBLAS sgemm, everything else in plain loops that the
// compiler vectorises. Host memory is 64-byte aligned for SIMD loads.
#pragma once

#include "tensor/backend.h"
#include "tensor/cpu/thread_pool.h"

namespace ts::tensor {

// Not final: tests derive from it to stand in for a device backend (host staging paths).
class CpuBackend : public Backend
{
public:
    // `threads` sets OpenBLAS's thread pool for this process (OpenBLAS has one pool per process).
    explicit CpuBackend(int threads);

    std::string name() const override;
    DeviceKind kind() const override { return DeviceKind::Cpu; }
    int threads() const { return m_threads; }

    float* allocate(size_t count) override;
    void deallocate(float* data) noexcept override;
    void upload(float* dst, const float* src, size_t count) override;
    void download(float* dst, const float* src, size_t count) override;
    void fill(float* dst, float value, size_t count) override;

    void gemm(Transpose transA, Transpose transB, float alpha, const Tensor& a, const Tensor& b,
              float beta, Tensor& c) override;
    void addRowVector(Tensor& y, const Tensor& bias) override;
    void sumRows(const Tensor& x, Tensor& out) override;
    void reluForward(const Tensor& x, Tensor& y) override;
    void reluBackward(const Tensor& y, const Tensor& dy, Tensor& dx) override;
    float softmaxCrossEntropy(const Tensor& logits, const Tensor& labels, Tensor* dlogits) override;
    int64_t countCorrect(const Tensor& logits, const Tensor& labels) override;
    void sgdMomentumStep(Tensor& weights, const Tensor& grad, Tensor& velocity, float learningRate,
                         float momentum, float weightDecay, bool nesterov) override;

    // element-wise, losses
    void axpy(float alpha, const Tensor& x, Tensor& y) override;
    void multiply(const Tensor& a, const Tensor& b, Tensor& out) override;
    void scale(Tensor& x, float alpha) override;
    double sumOfSquares(const Tensor& x) override;
    float meanSquaredError(const Tensor& pred, const Tensor& target, Tensor* dpred) override;
    void dropoutForward(const Tensor& x, float p, uint64_t seed, Tensor& mask, Tensor& y) override;

    // convolution and pooling
    void im2col(const Tensor& images, const WindowGeometry& g, Tensor& columns) override;
    void col2im(const Tensor& columns, const WindowGeometry& g, Tensor& images) override;
    void maxPoolForward(const Tensor& x, const WindowGeometry& g, Tensor& y) override;
    void maxPoolBackward(const Tensor& x, const Tensor& y, const Tensor& dy,
                         const WindowGeometry& g, Tensor& dx) override;
    void avgPoolForward(const Tensor& x, const WindowGeometry& g, Tensor& y) override;
    void avgPoolBackward(const Tensor& dy, const WindowGeometry& g, Tensor& dx) override;

    // batch normalisation
    void batchNormForward(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                          Tensor& runningMean, Tensor& runningVar, bool training,
                          const BatchNormOptions& options, Tensor& savedMean, Tensor& savedInvStd,
                          Tensor& y) override;
    void batchNormBackward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                           const Tensor& savedMean, const Tensor& savedInvStd, Tensor& dx,
                           Tensor& dgamma, Tensor& dbeta) override;

    // optimizers
    void adamStep(Tensor& weights, const Tensor& grad, Tensor& m, Tensor& v,
                  const AdamOptions& options) override;

private:
    int m_threads;
    ThreadPool m_pool; // the loops of our own ops; OpenBLAS runs sgemm on its own threads
};

} // namespace ts::tensor
