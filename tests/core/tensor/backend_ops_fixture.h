// What the cross-backend tests (tst_backend_ops*.cpp) share, the idea of ggml's test-backend-ops:
// random inputs with fixed seeds, and a BackendSet that runs one op on the CPU reference and on
// every other backend this machine offers (CUDA through its plugin), returning each backend's
// result for comparison with the CPU's.
//
// Without a usable GPU the comparisons are skipped with the plugin's reason
// ("CUDA backend unavailable: cudaErrorInsufficientDriver: ..."), never silently passed.
#pragma once

#include "tensor/backend_registry.h"
#include "tensor/tensor.h"

#include <QString>
#include <QtTest/QTest>

#include <algorithm>
#include <functional>
#include <memory>
#include <random>
#include <vector>

namespace ts::test {

using Values = std::vector<float>;

inline Values randomValues(int64_t count, float lo, float hi, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    Values v(static_cast<size_t>(count));
    std::generate(v.begin(), v.end(), [&] { return dist(rng); });
    return v;
}

inline Values randomLabels(int64_t rows, int64_t classes, unsigned seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int64_t> dist(0, classes - 1);
    Values v(static_cast<size_t>(rows));
    std::generate(v.begin(), v.end(), [&] { return static_cast<float>(dist(rng)); });
    return v;
}

inline Values concat(Values a, const Values& b)
{
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

inline tensor::Tensor on(tensor::Backend& backend, tensor::Shape shape, const Values& values)
{
    return tensor::Tensor::fromHost(backend, std::move(shape), values);
}

// The CPU reference and the other backends available here. Not thread-safe (one test thread).
class BackendSet
{
public:
    // Opens the CPU backend (one thread) and CUDA device 0 when the plugin can use one.
    void open()
    {
        m_cpu = tensor::createCpuBackend(1);
        auto cuda = tensor::createCudaBackend(0);
        if (cuda) {
            qInfo("comparing %s with %s", (*cuda)->name().c_str(), m_cpu->name().c_str());
            m_others.push_back(std::move(*cuda));
        } else {
            m_cudaError = QString::fromStdString(cuda.error().message());
        }
    }

    tensor::Backend& cpu() { return *m_cpu; }
    const std::vector<std::unique_ptr<tensor::Backend>>& others() const { return m_others; }
    // Why there is no CUDA backend; empty when there is one.
    const QString& cudaError() const { return m_cudaError; }

    // The op's result on the CPU first, then on every other backend.
    std::vector<Values> runEverywhere(const std::function<Values(tensor::Backend&)>& op)
    {
        std::vector<Values> results { op(*m_cpu) };
        for (const auto& other : m_others)
            results.push_back(op(*other));
        return results;
    }

private:
    std::unique_ptr<tensor::Backend> m_cpu;
    std::vector<std::unique_ptr<tensor::Backend>> m_others;
    QString m_cudaError;
};

} // namespace ts::test

// In a _data function: skips the whole op (one SKIP line) when only the CPU is available.
#define TS_SKIP_WITHOUT_OTHER_BACKENDS(set)                                                        \
    if ((set).others().empty())                                                                    \
    QSKIP(qPrintable("CUDA backend unavailable: " + (set).cudaError()))
