#include "tensor/cpu/cpu_backend.h"

#include "common/assert.h"
#include "tensor/tensor.h"

#include <cblas.h> // for cblas_sgemm, openblas_set_num_threads

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace ts::tensor {

namespace {

constexpr size_t Alignment = 64;

int labelAt(const float* labels, int64_t i, int64_t classes)
{
    const int label = static_cast<int>(labels[i]);
    TS_ASSERT(label >= 0 && label < classes);
    return label;
}

} // namespace

CpuBackend::CpuBackend(int threads)
    : m_threads(std::max(1, threads))
    , m_pool(m_threads)
{
    // Our pool runs the threads, OpenBLAS stays on the calling one: two pools on the same cores
    // (OpenBLAS's idle threads spin) made both slower. OpenBLAS's pthread build may be called
    // from several threads at once.
    openblas_set_num_threads(1);
}

std::string CpuBackend::name() const
{
    // OPENBLAS_VERSION reads " OpenBLAS 0.3.21 ", with spaces around.
    std::string library = OPENBLAS_VERSION;
    library.erase(0, library.find_first_not_of(' '));
    library.erase(library.find_last_not_of(' ') + 1);
    // The kernel family OpenBLAS picked for this CPU (or OPENBLAS_CORETYPE forced): it decides
    // the sgemm speed, so users and benchmarks should see it.
    const char* kernels = openblas_get_corename();
    return "CPU (" + library + " " + (kernels ? kernels : "?") + ", " + std::to_string(m_threads)
            + (m_threads == 1 ? " thread)" : " threads)");
}

float* CpuBackend::allocate(size_t count)
{
    const size_t bytes = std::max<size_t>(
            Alignment, (count * sizeof(float) + Alignment - 1) / Alignment * Alignment);
    void* p = std::aligned_alloc(Alignment, bytes);
    TS_ASSERT(p != nullptr);
    return static_cast<float*>(p);
}

void CpuBackend::deallocate(float* data) noexcept
{
    std::free(data);
}

void CpuBackend::upload(float* dst, const float* src, size_t count)
{
    std::memcpy(dst, src, count * sizeof(float));
}

void CpuBackend::download(float* dst, const float* src, size_t count)
{
    std::memcpy(dst, src, count * sizeof(float));
}

void CpuBackend::fill(float* dst, float value, size_t count)
{
    std::fill(dst, dst + count, value);
}

void CpuBackend::gemm(Transpose transA, Transpose transB, float alpha, const Tensor& a,
                      const Tensor& b, float beta, Tensor& c)
{
    const auto [m, n, k] = gemmShape(transA, transB, a, b, c);
    const bool ta = transA == Transpose::Yes, tb = transB == Transpose::Yes;
    const auto lda = static_cast<blasint>(a.cols()), ldb = static_cast<blasint>(b.cols());
    const auto ldc = static_cast<blasint>(n);
    // One sgemm per thread on a block of C: rows when C is tall, columns when it is wide. Each
    // element of C is still one dot product over the whole of k; only OpenBLAS's handling of
    // edge tiles may round differently with the thread count. OpenBLAS itself runs on the
    // calling thread (see the constructor).
    const bool splitRows = m >= n;
    m_pool.parallelFor(splitRows ? m : n, 16, [&](int64_t begin, int64_t end) {
        const int64_t rows = splitRows ? end - begin : m;
        const int64_t cols = splitRows ? n : end - begin;
        const float* aBlock = a.data() + (splitRows ? (ta ? begin : begin * a.cols()) : 0);
        const float* bBlock = b.data() + (splitRows ? 0 : (tb ? begin * b.cols() : begin));
        float* cBlock = c.data() + (splitRows ? begin * n : begin);
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    static_cast<blasint>(rows), static_cast<blasint>(cols), static_cast<blasint>(k),
                    alpha, aBlock, lda, bBlock, ldb, beta, cBlock, ldc);
    });
}

void CpuBackend::addRowVector(Tensor& y, const Tensor& bias)
{
    const int64_t rows = y.rows();
    const int64_t cols = y.cols();
    TS_ASSERT(bias.size() == cols);
    const float* __restrict b = bias.data();
    for (int64_t i = 0; i < rows; ++i) {
        float* __restrict row = y.data() + i * cols;
        for (int64_t j = 0; j < cols; ++j)
            row[j] += b[j];
    }
}

void CpuBackend::sumRows(const Tensor& x, Tensor& out)
{
    const int64_t rows = x.rows();
    const int64_t cols = x.cols();
    TS_ASSERT(out.size() == cols);
    float* __restrict o = out.data();
    std::fill(o, o + cols, 0.0f);
    for (int64_t i = 0; i < rows; ++i) {
        const float* __restrict row = x.data() + i * cols;
        for (int64_t j = 0; j < cols; ++j)
            o[j] += row[j];
    }
}

// Element-wise loops split across the pool above this many elements per thread; below it,
// waking a worker costs more than the loop.
constexpr int64_t ElementsPerThread = 32 * 1024;

void CpuBackend::reluForward(const Tensor& x, Tensor& y)
{
    TS_ASSERT(x.size() == y.size());
    const float* in = x.data();
    float* out = y.data();
    m_pool.parallelFor(x.size(), ElementsPerThread, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
            out[i] = std::max(in[i], 0.0f);
    });
}

void CpuBackend::reluBackward(const Tensor& y, const Tensor& dy, Tensor& dx)
{
    TS_ASSERT(y.size() == dy.size() && dy.size() == dx.size());
    const float* out = y.data();
    const float* g = dy.data();
    float* d = dx.data();
    m_pool.parallelFor(y.size(), ElementsPerThread, [&](int64_t begin, int64_t end) {
        // Both loads unconditional, so the compiler turns the select into a vector blend.
        for (int64_t i = begin; i < end; ++i) {
            const float grad = g[i];
            d[i] = out[i] > 0.0f ? grad : 0.0f;
        }
    });
}

float CpuBackend::softmaxCrossEntropy(const Tensor& logits, const Tensor& labels, Tensor* dlogits)
{
    const int64_t n = logits.rows();
    const int64_t classes = logits.cols();
    TS_ASSERT(labels.size() == n);
    TS_ASSERT(!dlogits || dlogits->size() == logits.size());
    const float invN = 1.0f / static_cast<float>(n);
    double lossSum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const float* z = logits.data() + i * classes;
        const int label = labelAt(labels.data(), i, classes);
        const float zMax = *std::max_element(z, z + classes);
        float sum = 0.0f;
        for (int64_t j = 0; j < classes; ++j)
            sum += std::exp(z[j] - zMax);
        lossSum += std::log(sum) - (z[label] - zMax);
        if (dlogits) {
            float* d = dlogits->data() + i * classes;
            const float invSum = 1.0f / sum;
            for (int64_t j = 0; j < classes; ++j)
                d[j] = std::exp(z[j] - zMax) * invSum * invN;
            d[label] -= invN;
        }
    }
    return static_cast<float>(lossSum / static_cast<double>(n));
}

int64_t CpuBackend::countCorrect(const Tensor& logits, const Tensor& labels)
{
    const int64_t n = logits.rows();
    const int64_t classes = logits.cols();
    TS_ASSERT(labels.size() == n);
    int64_t correct = 0;
    for (int64_t i = 0; i < n; ++i) {
        const float* z = logits.data() + i * classes;
        const auto predicted = std::max_element(z, z + classes) - z;
        correct += predicted == labelAt(labels.data(), i, classes);
    }
    return correct;
}

} // namespace ts::tensor
