// CPU batch normalisation over the matrix view: rows are samples (x pixels), columns channels.
//
// Each pass walks the rows in order and the channels inside, so the loads are contiguous and
// the per-channel accumulators (double, as sums over a whole batch of images lose float digits)
// stay in one small array. Statistics use two passes (mean, then squared deviations) rather
// than E[x^2] - E[x]^2, which cancels catastrophically when |mean| >> std.
#include "tensor/cpu/cpu_backend.h"

#include "common/assert.h"
#include "tensor/tensor.h"

#include <cmath>
#include <vector>

namespace ts::tensor {

namespace {

// y = x * scale + shift per channel: the affine form of gamma * (x - mean) * invStd + beta.
void applyAffine(const Tensor& x, const std::vector<float>& scale, const std::vector<float>& shift,
                 Tensor& y)
{
    const int64_t rows = x.rows();
    const int64_t cols = x.cols();
    const float* __restrict a = scale.data();
    const float* __restrict b = shift.data();
    for (int64_t r = 0; r < rows; ++r) {
        const float* __restrict in = x.data() + r * cols;
        float* __restrict out = y.data() + r * cols;
        for (int64_t c = 0; c < cols; ++c)
            out[c] = in[c] * a[c] + b[c];
    }
}

// Per-channel batch mean and biased variance.
void channelStatistics(const Tensor& x, std::vector<double>& mean, std::vector<double>& var)
{
    const int64_t rows = x.rows();
    const int64_t cols = x.cols();
    mean.assign(size_t(cols), 0.0);
    var.assign(size_t(cols), 0.0);
    double* __restrict m = mean.data();
    double* __restrict v = var.data();
    for (int64_t r = 0; r < rows; ++r) {
        const float* __restrict in = x.data() + r * cols;
        for (int64_t c = 0; c < cols; ++c)
            m[c] += double(in[c]);
    }
    for (int64_t c = 0; c < cols; ++c)
        m[c] /= double(rows);
    for (int64_t r = 0; r < rows; ++r) {
        const float* __restrict in = x.data() + r * cols;
        for (int64_t c = 0; c < cols; ++c) {
            const double d = double(in[c]) - m[c];
            v[c] += d * d;
        }
    }
    for (int64_t c = 0; c < cols; ++c)
        v[c] /= double(rows);
}

} // namespace

void CpuBackend::batchNormForward(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                  Tensor& runningMean, Tensor& runningVar, bool training,
                                  const BatchNormOptions& options, Tensor& savedMean,
                                  Tensor& savedInvStd, Tensor& y)
{
    const int64_t rows = x.rows();
    const int64_t cols = x.cols();
    TS_ASSERT(rows > 0 && y.size() == x.size());
    TS_ASSERT(gamma.size() == cols && beta.size() == cols);
    TS_ASSERT(runningMean.size() == cols && runningVar.size() == cols);
    const float* g = gamma.data();
    const float* b = beta.data();
    float* rm = runningMean.data();
    float* rv = runningVar.data();
    std::vector<float> scale(static_cast<size_t>(cols));
    std::vector<float> shift(static_cast<size_t>(cols));
    if (!training) {
        for (int64_t c = 0; c < cols; ++c) {
            const double invStd = 1.0 / std::sqrt(double(rv[c]) + double(options.epsilon));
            scale[size_t(c)] = float(double(g[c]) * invStd);
            shift[size_t(c)] = float(double(b[c]) - double(rm[c]) * double(g[c]) * invStd);
        }
        applyAffine(x, scale, shift, y);
        return;
    }
    TS_ASSERT(savedMean.size() == cols && savedInvStd.size() == cols);
    std::vector<double> mean, var;
    channelStatistics(x, mean, var);
    // PyTorch's running variance is unbiased; with one row it is undefined, so keep the biased
    // one rather than store an infinity.
    const double unbias = rows > 1 ? double(rows) / double(rows - 1) : 1.0;
    const double momentum = options.momentum;
    for (int64_t c = 0; c < cols; ++c) {
        const size_t i = size_t(c);
        const double invStd = 1.0 / std::sqrt(var[i] + double(options.epsilon));
        savedMean.data()[c] = float(mean[i]);
        savedInvStd.data()[c] = float(invStd);
        scale[i] = float(double(g[c]) * invStd);
        shift[i] = float(double(b[c]) - mean[i] * double(g[c]) * invStd);
        rm[c] = float((1.0 - momentum) * double(rm[c]) + momentum * mean[i]);
        rv[c] = float((1.0 - momentum) * double(rv[c]) + momentum * var[i] * unbias);
    }
    applyAffine(x, scale, shift, y);
}

// With xhat = (x - mean) * invStd over R rows:
//   dbeta = sum dy,  dgamma = sum dy * xhat,
//   dx = gamma * invStd / R * (R * dy - dbeta - xhat * dgamma)
void CpuBackend::batchNormBackward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                   const Tensor& savedMean, const Tensor& savedInvStd, Tensor& dx,
                                   Tensor& dgamma, Tensor& dbeta)
{
    const int64_t rows = x.rows();
    const int64_t cols = x.cols();
    TS_ASSERT(rows > 0 && dy.size() == x.size() && dx.size() == x.size());
    TS_ASSERT(gamma.size() == cols && savedMean.size() == cols && savedInvStd.size() == cols);
    TS_ASSERT(dgamma.size() == cols && dbeta.size() == cols);
    const float* __restrict mean = savedMean.data();
    const float* __restrict invStd = savedInvStd.data();
    std::vector<double> sumDy(size_t(cols), 0.0);
    std::vector<double> sumDyXhat(size_t(cols), 0.0);
    double* __restrict sd = sumDy.data();
    double* __restrict sdx = sumDyXhat.data();
    for (int64_t r = 0; r < rows; ++r) {
        const float* __restrict in = x.data() + r * cols;
        const float* __restrict grad = dy.data() + r * cols;
        for (int64_t c = 0; c < cols; ++c) {
            const double xhat = (double(in[c]) - double(mean[c])) * double(invStd[c]);
            sd[c] += double(grad[c]);
            sdx[c] += double(grad[c]) * xhat;
        }
    }
    // dx = k * (dy - a - xhat * b) per channel, with k, a and b folded once.
    const auto n = static_cast<size_t>(cols);
    std::vector<float> k(n), a(n), b(n);
    for (int64_t c = 0; c < cols; ++c) {
        const size_t i = size_t(c);
        dbeta.data()[c] = float(sd[c]);
        dgamma.data()[c] = float(sdx[c]);
        k[i] = float(double(gamma.data()[c]) * double(invStd[c]));
        a[i] = float(sd[c] / double(rows));
        b[i] = float(sdx[c] / double(rows));
    }
    const float* __restrict kk = k.data();
    const float* __restrict aa = a.data();
    const float* __restrict bb = b.data();
    for (int64_t r = 0; r < rows; ++r) {
        const float* __restrict in = x.data() + r * cols;
        const float* __restrict grad = dy.data() + r * cols;
        float* __restrict out = dx.data() + r * cols;
        for (int64_t c = 0; c < cols; ++c) {
            const float xhat = (in[c] - mean[c]) * invStd[c];
            out[c] = kk[c] * (grad[c] - aa[c] - xhat * bb[c]);
        }
    }
}

} // namespace ts::tensor
