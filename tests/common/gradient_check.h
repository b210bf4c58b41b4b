// Helpers of the finite-difference gradient tests (tst_gradients, tst_conv_layers): random
// inputs, central differences, and a loss whose output gradient is known.
#pragma once

#include "tensor/tensor.h"

#include <functional>
#include <random>
#include <vector>

namespace ts::test {

using Floats = std::vector<float>;

inline Floats randomFloats(size_t n, uint64_t seed, float lo = -1, float hi = 1)
{
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    Floats v(n);
    for (float& x : v)
        x = d(g);
    return v;
}

// Central differences of `loss` with respect to every element of `t` (restored afterwards).
inline Floats numericGradient(tensor::Tensor& t, const std::function<double()>& loss,
                              float eps = 1e-2f)
{
    Floats values = t.toHost();
    Floats grad(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
        const float saved = values[i];
        const auto lossAt = [&](float v) { return values[i] = v, t.upload(values), loss(); };
        grad[i] = float((lossAt(saved + eps) - lossAt(saved - eps)) / (2.0 * double(eps)));
        values[i] = saved;
        t.upload(values);
    }
    return grad;
}

// sum(output * weights): a loss whose gradient with respect to the output is `weights`.
inline double weightedSum(const tensor::Tensor& output, const Floats& weights)
{
    const Floats y = output.toHost();
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i)
        s += double(y[i]) * weights[i];
    return s;
}

} // namespace ts::test
