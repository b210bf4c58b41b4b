// CPU optimizer updates: one fused pass over each parameter.
#include "tensor/cpu/cpu_backend.h"

#include "common/assert.h"
#include "tensor/tensor.h"

#include <cmath>

namespace ts::tensor {

void CpuBackend::sgdMomentumStep(Tensor& weights, const Tensor& grad, Tensor& velocity,
                                 float learningRate, float momentum, float weightDecay,
                                 bool nesterov)
{
    TS_ASSERT(weights.size() == grad.size() && grad.size() == velocity.size());
    const int64_t n = weights.size();
    float* __restrict w = weights.data();
    const float* __restrict g = grad.data();
    float* __restrict v = velocity.data();
    if (nesterov) {
        for (int64_t i = 0; i < n; ++i) {
            const float decayed = g[i] + weightDecay * w[i];
            v[i] = momentum * v[i] + decayed;
            w[i] -= learningRate * (decayed + momentum * v[i]);
        }
        return;
    }
    for (int64_t i = 0; i < n; ++i) {
        v[i] = momentum * v[i] + g[i] + weightDecay * w[i];
        w[i] -= learningRate * v[i];
    }
}

void CpuBackend::adamStep(Tensor& weights, const Tensor& grad, Tensor& m, Tensor& v,
                          const AdamOptions& o)
{
    TS_ASSERT(weights.size() == grad.size() && grad.size() == m.size() && m.size() == v.size());
    TS_ASSERT(o.step >= 1);
    const int64_t n = weights.size();
    float* __restrict w = weights.data();
    const float* __restrict g = grad.data();
    float* __restrict mean = m.data();
    float* __restrict var = v.data();
    // Bias corrections folded into the step size and epsilon, as torch.optim.Adam does.
    const double correction1 = 1.0 - std::pow(double(o.beta1), double(o.step));
    const double correction2 = 1.0 - std::pow(double(o.beta2), double(o.step));
    const float stepSize = float(double(o.learningRate) / correction1);
    const float invSqrtCorrection2 = float(1.0 / std::sqrt(correction2));
    const float decay = o.decoupledWeightDecay ? 1.0f - o.learningRate * o.weightDecay : 1.0f;
    const float coupled = o.decoupledWeightDecay ? 0.0f : o.weightDecay;
    m_pool.parallelFor(n, 32 * 1024, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const float gi = g[i] + coupled * w[i];
            mean[i] = o.beta1 * mean[i] + (1.0f - o.beta1) * gi;
            var[i] = o.beta2 * var[i] + (1.0f - o.beta2) * gi * gi;
            const float denominator = std::sqrt(var[i]) * invSqrtCorrection2 + o.epsilon;
            w[i] = w[i] * decay - stepSize * mean[i] / denominator;
        }
    });
}

} // namespace ts::tensor
