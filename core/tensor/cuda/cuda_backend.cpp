#include "tensor/cuda/cuda_backend.h"

#include "common/assert.h"
#include "tensor/backend_plugin.h"
#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/elementwise.cuh"
#include "tensor/cuda/optimizers.cuh"
#include "tensor/cuda/softmax_cross_entropy.cuh"
#include "tensor/tensor.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <exception>

// Only the two C entry points leave the plugin; everything else is hidden (see CMakeLists.txt).
#define TS_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))

namespace ts::tensor::cuda_impl {

using common::Error;
using common::ErrorKind;
using common::Expected;

namespace {

// The kernels are built for compute capability 8.0 and 9.0 (plus PTX): older GPUs cannot run them.
constexpr int MinComputeMajor = 8;

std::string describe(cudaError_t error)
{
    return std::string(cudaGetErrorName(error)) + ": " + cudaGetErrorString(error);
}

std::string describe(cublasStatus_t status)
{
    return std::string(cublasGetStatusName(status)) + ": " + cublasGetStatusString(status);
}

Error unusable(int device, const std::string& why)
{
    return Error(ErrorKind::Unsupported, "CUDA device " + std::to_string(device) + ": " + why);
}

int blasInt(int64_t value)
{
    TS_ASSERT(value >= 0 && value <= INT_MAX); // cuBLAS's 32-bit API
    return static_cast<int>(value);
}

cublasOperation_t blasOp(Transpose t)
{
    return t == Transpose::Yes ? CUBLAS_OP_T : CUBLAS_OP_N;
}

// Freed blocks stay in the device's pool: with the default threshold (0) the pool hands them
// back to the driver at every synchronisation, and each training step would pay for fresh maps.
void keepFreedMemoryPooled(int device)
{
    cudaMemPool_t pool = nullptr;
    uint64_t keep = UINT64_MAX;
    if (cudaDeviceGetDefaultMemPool(&pool, device) == cudaSuccess)
        cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &keep); // speed only
}

} // namespace

Expected<std::unique_ptr<CudaBackend>> CudaBackend::create(int device)
{
    if (const cudaError_t e = cudaSetDevice(device); e != cudaSuccess)
        return unusable(device, describe(e));
    cudaDeviceProp prop {};
    if (const cudaError_t e = cudaGetDeviceProperties(&prop, device); e != cudaSuccess)
        return unusable(device, describe(e));
    if (prop.major < MinComputeMajor)
        return unusable(device,
                        std::string(prop.name) + " has compute capability "
                                + std::to_string(prop.major) + "." + std::to_string(prop.minor)
                                + "; this build needs 8.0 or newer (A100, H100)");

    cudaStream_t stream = nullptr;
    if (const cudaError_t e = cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking);
        e != cudaSuccess)
        return unusable(device, describe(e));
    StreamPtr streamOwner(stream);
    cublasHandle_t blas = nullptr;
    if (const cublasStatus_t s = cublasCreate(&blas); s != CUBLAS_STATUS_SUCCESS)
        return unusable(device, describe(s));
    BlasPtr blasOwner(blas);
    cublasStatus_t s = cublasSetStream(blas, stream);
    if (s == CUBLAS_STATUS_SUCCESS)
        s = cublasSetMathMode(blas, CUBLAS_DEFAULT_MATH); // FP32 products, no TF32
    int blasVersion = 0;
    if (s == CUBLAS_STATUS_SUCCESS)
        s = cublasGetVersion(blas, &blasVersion);
    if (s != CUBLAS_STATUS_SUCCESS)
        return unusable(device, describe(s));

    int pools = 0;
    cudaDeviceGetAttribute(&pools, cudaDevAttrMemoryPoolsSupported, device);
    if (pools)
        keepFreedMemoryPooled(device);
    const std::string name = "CUDA (" + std::string(prop.name) + ", "
            + std::to_string(prop.totalGlobalMem >> 30) + " GiB, cuBLAS "
            + std::to_string(blasVersion / 10000) + "." + std::to_string(blasVersion / 100 % 100)
            + ")";
    return std::unique_ptr<CudaBackend>(new CudaBackend(device, pools != 0, std::move(streamOwner),
                                                        std::move(blasOwner), name));
}

CudaBackend::CudaBackend(int device, bool streamOrdered, StreamPtr stream, BlasPtr blas,
                         std::string name)
    : m_device(device)
    , m_streamOrdered(streamOrdered)
    , m_name(std::move(name))
    , m_stream(std::move(stream))
    , m_blas(std::move(blas))
{}

CudaBackend::~CudaBackend()
{
    // Errors are ignored: at process exit the runtime may already be unloading.
    cudaSetDevice(m_device);
    cudaStreamSynchronize(m_stream.get());
    leaveCollective();
}

void CudaBackend::makeCurrent() const
{
    CUDA_CHECK(cudaSetDevice(m_device));
}

const float* CudaBackend::deviceData(const Tensor& t) const
{
    TS_ASSERT(!t.empty() && &t.backend() == this); // a host pointer here would crash the kernel
    return t.data();
}

float* CudaBackend::deviceData(Tensor& t) const
{
    TS_ASSERT(!t.empty() && &t.backend() == this);
    return t.data();
}

float* CudaBackend::allocate(size_t count)
{
    makeCurrent();
    const size_t bytes = std::max<size_t>(count, 1) * sizeof(float);
    void* p = nullptr;
    const cudaError_t e =
            m_streamOrdered ? cudaMallocAsync(&p, bytes, m_stream.get()) : cudaMalloc(&p, bytes);
    if (e != cudaSuccess) {
        size_t freeBytes = 0;
        size_t totalBytes = 0;
        cudaMemGetInfo(&freeBytes, &totalBytes);
        std::fprintf(stderr,
                     "TrainStudio: cannot allocate %.1f MiB on %s (%.1f MiB free): %s. Use a "
                     "smaller batch size or model, or the CPU backend.\n",
                     bytes / 1048576.0, m_name.c_str(), freeBytes / 1048576.0, describe(e).c_str());
        std::abort();
    }
    return static_cast<float*>(p);
}

void CudaBackend::deallocate(float* data) noexcept
{
    if (!data)
        return;
    cudaSetDevice(m_device);
    // Stream-ordered: the block is reused only after the ops already queued on it have run.
    const cudaError_t e = m_streamOrdered ? cudaFreeAsync(data, m_stream.get()) : cudaFree(data);
    // At process exit the runtime may be gone already; the memory goes with the process.
    if (e != cudaSuccess && e != cudaErrorCudartUnloading)
        abortOnCudaError("cudaFreeAsync", cudaGetErrorName(e), cudaGetErrorString(e), __FILE__,
                         __LINE__);
}

void CudaBackend::upload(float* dst, const float* src, size_t count)
{
    makeCurrent();
    // From pageable memory the copy returns once `src` is staged, so the caller may reuse it.
    CUDA_CHECK(cudaMemcpyAsync(dst, src, count * sizeof(float), cudaMemcpyHostToDevice,
                               m_stream.get()));
}

void CudaBackend::download(float* dst, const float* src, size_t count)
{
    makeCurrent();
    CUDA_CHECK(cudaMemcpyAsync(dst, src, count * sizeof(float), cudaMemcpyDeviceToHost,
                               m_stream.get()));
    CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));
}

void CudaBackend::fill(float* dst, float value, size_t count)
{
    makeCurrent();
    launchFill(dst, value, static_cast<int64_t>(count), m_stream.get());
}

void CudaBackend::synchronize()
{
    makeCurrent();
    CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));
}

void CudaBackend::gemm(Transpose transA, Transpose transB, float alpha, const Tensor& a,
                       const Tensor& b, float beta, Tensor& c)
{
    const auto [m, n, k] = gemmShape(transA, transB, a, b, c);
    if (m == 0 || n == 0)
        return;
    makeCurrent();
    // cuBLAS is column-major, and a row-major matrix read column-major is its transpose. So we
    // compute C^T = op(B)^T * op(A)^T: the operands swap places and keep their transpose flags.
    CUBLAS_CHECK(cublasSgemm(
            m_blas.get(), blasOp(transB), blasOp(transA), blasInt(n), blasInt(m), blasInt(k),
            &alpha, deviceData(b), blasInt(std::max<int64_t>(1, b.cols())), deviceData(a),
            blasInt(std::max<int64_t>(1, a.cols())), &beta, deviceData(c), blasInt(n)));
}

void CudaBackend::addRowVector(Tensor& y, const Tensor& bias)
{
    TS_ASSERT(bias.size() == y.cols());
    makeCurrent();
    launchAddRowVector(deviceData(y), deviceData(bias), y.rows(), y.cols(), m_stream.get());
}

void CudaBackend::sumRows(const Tensor& x, Tensor& out)
{
    TS_ASSERT(out.size() == x.cols());
    makeCurrent();
    launchSumRows(deviceData(x), deviceData(out), x.rows(), x.cols(), m_stream.get());
}

void CudaBackend::reluForward(const Tensor& x, Tensor& y)
{
    TS_ASSERT(x.size() == y.size());
    makeCurrent();
    launchReluForward(deviceData(x), deviceData(y), x.size(), m_stream.get());
}

void CudaBackend::reluBackward(const Tensor& y, const Tensor& dy, Tensor& dx)
{
    TS_ASSERT(y.size() == dy.size() && dy.size() == dx.size());
    makeCurrent();
    launchReluBackward(deviceData(y), deviceData(dy), deviceData(dx), y.size(), m_stream.get());
}

void* CudaBackend::scratch(size_t bytes)
{
    if (bytes > m_scratchBytes) {
        // The old buffer is idle: every op that uses it ends by waiting for the stream.
        m_scratch.reset();
        void* p = nullptr;
        CUDA_CHECK(cudaMalloc(&p, bytes));
        m_scratch.reset(p);
        m_scratchBytes = bytes;
    }
    return m_scratch.get();
}

LossResult* CudaBackend::lossScratch(int64_t rows)
{
    auto* result = static_cast<LossResult*>(
            scratch(sizeof(LossResult) + static_cast<size_t>(rows) * sizeof(float)));
    CUDA_CHECK(cudaMemsetAsync(result, 0, sizeof(LossResult), m_stream.get()));
    return result;
}

LossResult CudaBackend::fetchLossResult(const LossResult* result)
{
    LossResult host {};
    CUDA_CHECK(cudaMemcpyAsync(&host, result, sizeof host, cudaMemcpyDeviceToHost, m_stream.get()));
    CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));
    TS_ASSERT(host.badLabels == 0); // every label a class index, as the CPU backend asserts
    return host;
}

float CudaBackend::softmaxCrossEntropy(const Tensor& logits, const Tensor& labels, Tensor* dlogits)
{
    const int64_t n = logits.rows();
    const int64_t classes = logits.cols();
    TS_ASSERT(labels.size() == n);
    TS_ASSERT(!dlogits || dlogits->size() == logits.size());
    TS_ASSERT(n <= INT_MAX); // one block per row
    makeCurrent();
    LossResult* result = lossScratch(n);
    auto* rowLoss = reinterpret_cast<float*>(result + 1);
    launchSoftmaxCrossEntropy(deviceData(logits), deviceData(labels),
                              dlogits ? deviceData(*dlogits) : nullptr, rowLoss, n, classes, result,
                              m_stream.get());
    launchMeanLoss(rowLoss, n, result, m_stream.get());
    return fetchLossResult(result).meanLoss;
}

int64_t CudaBackend::countCorrect(const Tensor& logits, const Tensor& labels)
{
    const int64_t n = logits.rows();
    TS_ASSERT(labels.size() == n);
    TS_ASSERT(n <= INT_MAX && logits.cols() <= INT_MAX);
    makeCurrent();
    LossResult* result = lossScratch(0);
    launchCountCorrect(deviceData(logits), deviceData(labels), n, logits.cols(), result,
                       m_stream.get());
    return static_cast<int64_t>(fetchLossResult(result).correct);
}

void CudaBackend::sgdMomentumStep(Tensor& weights, const Tensor& grad, Tensor& velocity,
                                  float learningRate, float momentum, float weightDecay,
                                  bool nesterov)
{
    TS_ASSERT(weights.size() == grad.size() && grad.size() == velocity.size());
    makeCurrent();
    launchSgdMomentumStep(deviceData(weights), deviceData(grad), deviceData(velocity),
                          weights.size(), learningRate, momentum, weightDecay, nesterov,
                          m_stream.get());
}

} // namespace ts::tensor::cuda_impl

namespace {

void writeError(char* error, size_t errorSize, const std::string& message)
{
    if (error && errorSize > 0)
        std::snprintf(error, errorSize, "%s", message.c_str());
}

int createBackend(int device, ts::tensor::Backend** out, std::string& error)
{
    using ts::tensor::cuda_impl::CudaBackend;
    int count = 0; // cudaGetDeviceCount leaves it untouched when it fails
    if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
        error = ts::tensor::cuda_impl::describe(e);
        return 1;
    }
    if (count == 0) {
        error = "no CUDA device found";
        return 1;
    }
    if (device < 0 || device >= count) {
        error = "CUDA device " + std::to_string(device) + " does not exist (found "
                + std::to_string(count) + (count == 1 ? " device)" : " devices)");
        return 1;
    }
    auto backend = CudaBackend::create(device);
    if (!backend) {
        error = backend.error().message();
        return 1;
    }
    *out = backend->release();
    return 0;
}

} // namespace

TS_PLUGIN_EXPORT int tsBackendPluginAbi()
{
    return TS_BACKEND_PLUGIN_ABI;
}

TS_PLUGIN_EXPORT int tsBackendPluginListDevices(TsDeviceInfo* out, int capacity, char* error,
                                                size_t errorSize)
{
    int count = 0;
    if (const cudaError_t e = cudaGetDeviceCount(&count); e != cudaSuccess) {
        if (e == cudaErrorNoDevice)
            return 0;
        writeError(error, errorSize, ts::tensor::cuda_impl::describe(e));
        return -1;
    }
    for (int device = 0; device < count && device < capacity; ++device) {
        TsDeviceInfo& info = out[device];
        cudaDeviceProp properties {};
        if (cudaGetDeviceProperties(&properties, device) == cudaSuccess)
            std::snprintf(info.name, sizeof info.name, "%s", properties.name);
        size_t freeBytes = 0, totalBytes = 0;
        // cudaMemGetInfo needs a context on the device; the listing process (the agent) does not
        // compute, so the context is released again at once.
        if (cudaSetDevice(device) == cudaSuccess
            && cudaMemGetInfo(&freeBytes, &totalBytes) == cudaSuccess) {
            info.memoryTotal = totalBytes;
            info.memoryFree = freeBytes;
        }
        cudaDeviceReset();
    }
    return count;
}

TS_PLUGIN_EXPORT int tsBackendPluginCreate(int device, ts::tensor::Backend** out, char* error,
                                           size_t errorSize)
{
    // No exception may cross the C boundary into the core: it becomes the error text.
    try {
        if (!out) {
            writeError(error, errorSize, "tsBackendPluginCreate: `out` is null");
            return 1;
        }
        *out = nullptr;
        std::string message;
        const int rc = createBackend(device, out, message);
        writeError(error, errorSize, message);
        return rc;
    } catch (const std::exception& e) {
        writeError(error, errorSize, std::string("the CUDA backend failed: ") + e.what());
    } catch (...) {
        writeError(error, errorSize, "the CUDA backend failed with an unknown exception");
    }
    return 1;
}
