// CPU element-wise ops, dropout and the MSE loss: plain loops the compiler vectorises.
#include "tensor/cpu/cpu_backend.h"

#include "common/assert.h"
#include "tensor/dropout_hash.h"
#include "tensor/tensor.h"

namespace ts::tensor {

void CpuBackend::axpy(float alpha, const Tensor& x, Tensor& y)
{
    TS_ASSERT(x.size() == y.size());
    const int64_t n = x.size();
    const float* __restrict in = x.data();
    float* __restrict out = y.data();
    for (int64_t i = 0; i < n; ++i)
        out[i] += alpha * in[i];
}

void CpuBackend::multiply(const Tensor& a, const Tensor& b, Tensor& out)
{
    TS_ASSERT(a.size() == b.size() && b.size() == out.size());
    const int64_t n = a.size();
    const float* x = a.data();
    const float* y = b.data();
    float* z = out.data();
    for (int64_t i = 0; i < n; ++i)
        z[i] = x[i] * y[i];
}

void CpuBackend::scale(Tensor& x, float alpha)
{
    const int64_t n = x.size();
    float* data = x.data();
    for (int64_t i = 0; i < n; ++i)
        data[i] *= alpha;
}

double CpuBackend::sumOfSquares(const Tensor& x)
{
    const int64_t n = x.size();
    const float* data = x.data();
    double sum = 0;
    for (int64_t i = 0; i < n; ++i)
        sum += double(data[i]) * double(data[i]);
    return sum;
}

float CpuBackend::meanSquaredError(const Tensor& pred, const Tensor& target, Tensor* dpred)
{
    TS_ASSERT(pred.size() == target.size());
    TS_ASSERT(!dpred || dpred->size() == pred.size());
    const int64_t n = pred.size();
    const float* p = pred.data();
    const float* t = target.data();
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
        const double d = double(p[i]) - double(t[i]);
        sum += d * d;
    }
    if (dpred) {
        const float factor = 2.0f / float(n);
        float* d = dpred->data();
        for (int64_t i = 0; i < n; ++i)
            d[i] = factor * (p[i] - t[i]);
    }
    return float(sum / double(n));
}

void CpuBackend::dropoutForward(const Tensor& x, float p, uint64_t seed, Tensor& mask, Tensor& y)
{
    TS_ASSERT(x.size() == mask.size() && x.size() == y.size());
    TS_ASSERT(p >= 0.0f && p < 1.0f);
    const int64_t n = x.size();
    const float keep = 1.0f / (1.0f - p);
    float* m = mask.data();
    for (int64_t i = 0; i < n; ++i)
        m[i] = dropoutUniform(seed, uint64_t(i)) < p ? 0.0f : keep;
    multiply(x, mask, y);
}

} // namespace ts::tensor
