// CudaBackend: element-wise ops, dropout, the MSE loss, the sum of squares and Adam (the host side;
// kernels in elementwise.cu, reduce.cu and optimizers.cu).
#include "tensor/cuda/cuda_backend.h"

#include "common/assert.h"
#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/elementwise.cuh"
#include "tensor/cuda/optimizers.cuh"
#include "tensor/cuda/reduce.cuh"
#include "tensor/tensor.h"

#include <algorithm>
#include <cmath>

namespace ts::tensor::cuda_impl {

namespace {

// The scratch of a reduction: the partials, then the result.
constexpr size_t ReductionScratchBytes = (ReducePartialsMax + 1) * sizeof(double);

double* reductionResult(void* scratch)
{
    return static_cast<double*>(scratch) + ReducePartialsMax;
}

} // namespace

double CudaBackend::fetchDouble(const double* value)
{
    double host = 0.0;
    CUDA_CHECK(cudaMemcpyAsync(&host, value, sizeof host, cudaMemcpyDeviceToHost, m_stream.get()));
    CUDA_CHECK(cudaStreamSynchronize(m_stream.get()));
    return host;
}

void CudaBackend::axpy(float alpha, const Tensor& x, Tensor& y)
{
    TS_ASSERT(x.size() == y.size());
    makeCurrent();
    launchAxpy(alpha, deviceData(x), deviceData(y), x.size(), m_stream.get());
}

void CudaBackend::multiply(const Tensor& a, const Tensor& b, Tensor& out)
{
    TS_ASSERT(a.size() == b.size() && b.size() == out.size());
    makeCurrent();
    launchMultiply(deviceData(a), deviceData(b), deviceData(out), a.size(), m_stream.get());
}

void CudaBackend::scale(Tensor& x, float alpha)
{
    makeCurrent();
    launchScale(deviceData(x), alpha, x.size(), m_stream.get());
}

double CudaBackend::sumOfSquares(const Tensor& x)
{
    makeCurrent();
    void* buffer = scratch(ReductionScratchBytes);
    launchSumOfSquares(deviceData(x), x.size(), static_cast<double*>(buffer),
                       reductionResult(buffer), m_stream.get());
    return fetchDouble(reductionResult(buffer));
}

float CudaBackend::meanSquaredError(const Tensor& pred, const Tensor& target, Tensor* dpred)
{
    TS_ASSERT(pred.size() == target.size());
    TS_ASSERT(!dpred || dpred->size() == pred.size());
    const int64_t n = pred.size();
    makeCurrent();
    void* buffer = scratch(ReductionScratchBytes);
    // The factor as the CPU backend rounds it, so the gradients agree bit for bit.
    const float factor = 2.0f / float(n);
    launchSquaredError(deviceData(pred), deviceData(target), dpred ? deviceData(*dpred) : nullptr,
                       factor, n, static_cast<double*>(buffer), reductionResult(buffer),
                       m_stream.get());
    // Divided on the host like the CPU backend: an empty tensor gives 0 / 0 = NaN there too.
    return float(fetchDouble(reductionResult(buffer)) / double(n));
}

void CudaBackend::dropoutForward(const Tensor& x, float p, uint64_t seed, Tensor& mask, Tensor& y)
{
    TS_ASSERT(x.size() == mask.size() && x.size() == y.size());
    TS_ASSERT(p >= 0.0f && p < 1.0f);
    makeCurrent();
    const float keep = 1.0f / (1.0f - p);
    launchDropout(deviceData(x), p, keep, seed, deviceData(mask), deviceData(y), x.size(),
                  m_stream.get());
}

void CudaBackend::adamStep(Tensor& weights, const Tensor& grad, Tensor& m, Tensor& v,
                           const AdamOptions& o)
{
    TS_ASSERT(weights.size() == grad.size() && grad.size() == m.size() && m.size() == v.size());
    TS_ASSERT(o.step >= 1);
    // The bias corrections in double and folded into the step size and epsilon, exactly as
    // CpuBackend::adamStep derives them, so both backends run the same float update.
    const double correction1 = 1.0 - std::pow(double(o.beta1), double(o.step));
    const double correction2 = 1.0 - std::pow(double(o.beta2), double(o.step));
    AdamConstants c {};
    c.beta1 = o.beta1;
    c.beta2 = o.beta2;
    c.oneMinusBeta1 = 1.0f - o.beta1;
    c.oneMinusBeta2 = 1.0f - o.beta2;
    c.epsilon = o.epsilon;
    c.stepSize = float(double(o.learningRate) / correction1);
    c.invSqrtCorrection2 = float(1.0 / std::sqrt(correction2));
    c.decay = o.decoupledWeightDecay ? 1.0f - o.learningRate * o.weightDecay : 1.0f;
    c.coupled = o.decoupledWeightDecay ? 0.0f : o.weightDecay;
    makeCurrent();
    launchAdamStep(deviceData(weights), deviceData(grad), deviceData(m), deviceData(v),
                   weights.size(), c, m_stream.get());
}

float* CudaBackend::allocateHost(size_t count)
{
    makeCurrent();
    void* data = nullptr;
    CUDA_CHECK(cudaMallocHost(&data, std::max<size_t>(1, count) * sizeof(float)));
    return static_cast<float*>(data);
}

void CudaBackend::deallocateHost(float* data) noexcept
{
    cudaFreeHost(data); // errors here would only mean the process is already tearing down
}

} // namespace ts::tensor::cuda_impl
