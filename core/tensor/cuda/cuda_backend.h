// The CUDA backend: device memory, cuBLAS matrix products and our own kernels, on one stream.
//
// Built only into the plugin libtrainstudio-cuda.so (see CMakeLists.txt in this folder); the core
// reaches it through tsBackendPluginCreate (backend_plugin.h), never by linking.
//
// Every op is queued on the backend's one stream, so ops run in the order they were called and
// memory freed by deallocate() is reused only after the ops queued before it (stream-ordered
// allocation). download(), synchronize(), softmaxCrossEntropy(), countCorrect(), sumOfSquares()
// and meanSquaredError() wait for the stream; everything else returns at once.
//
// The member functions are defined in three files: cuda_backend.cpp (device, memory, dense
// layers, classification losses, SGD), cuda_backend_ops.cpp (element-wise ops, dropout, MSE,
// Adam), cuda_backend_cnn.cpp (im2col/col2im, pooling, batch norm) and cuda_collectives.cpp
// (all-reduce across GPUs with NCCL). Reductions are
// deterministic: the same inputs on the same GPU give the same bits on every run.
//
// Numerics: FP32 throughout. cuBLAS runs in CUBLAS_DEFAULT_MATH, which never rounds inputs to
// TF32, so products agree with the CPU backend to float rounding (summation order differs).
// The element-wise, optimizer, pooling and batch-norm kernels are compiled without FMA
// contraction and evaluate the CPU backend's expressions in its order, so element-wise results
// and optimizer steps give the CPU's bits; reductions differ only in summation order.
//
// THREAD SAFETY: as every Backend, one thread at a time. Each call makes the backend's device
// current on the calling thread, so ranks on different GPUs can share a process.
#pragma once

#include "common/result.h"
#include "tensor/backend.h"

#include <cublas_v2.h>        // for cublasHandle_t
#include <cuda_runtime_api.h> // for cudaStream_t

#include <memory>
#include <string>
#include <type_traits>

namespace ts::tensor::cuda_impl {

struct LossResult;

// One-line owners for the C handles, as ggml's ggml-cpp.h gives them.
struct StreamDeleter
{
    void operator()(cudaStream_t stream) const { cudaStreamDestroy(stream); }
};
struct BlasDeleter
{
    void operator()(cublasHandle_t handle) const { cublasDestroy(handle); }
};
struct DeviceMemoryDeleter
{
    void operator()(void* data) const { cudaFree(data); }
};
using StreamPtr = std::unique_ptr<std::remove_pointer_t<cudaStream_t>, StreamDeleter>;
using BlasPtr = std::unique_ptr<std::remove_pointer_t<cublasHandle_t>, BlasDeleter>;
using DeviceMemoryPtr = std::unique_ptr<void, DeviceMemoryDeleter>;

class CudaBackend final : public Backend
{
public:
    // Opens `device` (which must exist): its stream, cuBLAS handle and memory pool. Fails with
    // ErrorKind::Unsupported and the CUDA/cuBLAS error name when the device cannot be used.
    static common::Expected<std::unique_ptr<CudaBackend>> create(int device);
    ~CudaBackend() override;

    // "CUDA (NVIDIA H100 80GB HBM3, 79 GiB, cuBLAS 13.1)"
    std::string name() const override { return m_name; }
    DeviceKind kind() const override { return DeviceKind::Cuda; }
    int device() const { return m_device; }

    float* allocate(size_t count) override;
    void deallocate(float* data) noexcept override;
    void upload(float* dst, const float* src, size_t count) override;
    void download(float* dst, const float* src, size_t count) override;
    void fill(float* dst, float value, size_t count) override;
    void synchronize() override;
    // Page-locked host memory: uploads from it are asynchronous DMA transfers.
    float* allocateHost(size_t count) override;
    void deallocateHost(float* data) noexcept override;

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

    // collectives: NCCL, loaded at run time (cuda_collectives.cpp)
    std::string collectivesMissing() const override;
    std::string makeCollectiveId(std::string& id) override;
    std::string joinCollective(const std::string& id, int rank, int ranks) override;
    std::string allReduceSum(float* data, size_t count) override;

private:
    CudaBackend(int device, bool streamOrdered, StreamPtr stream, BlasPtr blas, std::string name);
    void leaveCollective() noexcept;

    void makeCurrent() const;
    // The tensor's device pointer, after checking that this backend allocated it.
    const float* deviceData(const Tensor& t) const;
    float* deviceData(Tensor& t) const;
    // The reusable scratch buffer (m_scratch), grown to at least `bytes`. Only for ops that wait
    // for the stream before they return, so the buffer is idle whenever it is reallocated.
    void* scratch(size_t bytes);
    // A zeroed LossResult followed by room for `rows` per-row floats, reused between calls.
    LossResult* lossScratch(int64_t rows);
    // Copies the LossResult back, waits for it and checks that every label was a class index.
    LossResult fetchLossResult(const LossResult* result);
    // Copies a double computed by a reduction launcher (reduce.cuh) back and waits for it.
    double fetchDouble(const double* value);

    int m_device;
    bool m_streamOrdered; // cudaMallocAsync available (memory pools)
    std::string m_name;
    // Declared in this order so that the scratch buffer and cuBLAS go before their stream.
    StreamPtr m_stream;
    BlasPtr m_blas;
    DeviceMemoryPtr m_scratch;
    size_t m_scratchBytes = 0;
    void* m_collective = nullptr; // the ncclComm_t this backend joined, if any
};

} // namespace ts::tensor::cuda_impl
