// Tensor: a float32 array with a shape, living in one backend's memory.
//
// A Tensor owns (shares) a buffer allocated by its Backend: host memory for the CPU backend,
// device memory for CUDA. Data is contiguous and row-major; strides are kept so later layers
// (convolutions, views) can describe their layouts without changing the interface. Copies of a
// Tensor share the buffer, like a std::shared_ptr; use Backend ops to copy contents.
//
// The class is header-only on purpose: backend plugins (libtrainstudio-cuda.so) read tensors
// without linking the core library.
#pragma once

#include "common/assert.h"
#include "tensor/backend.h"

#include <cstdint>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

namespace ts::tensor {

using Shape = std::vector<int64_t>;

inline int64_t elementCount(const Shape& shape)
{
    return std::accumulate(shape.begin(), shape.end(), int64_t { 1 }, std::multiplies<>());
}

inline std::string toString(const Shape& shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? "x" : "") + std::to_string(shape[i]);
    return s + "]";
}

class Tensor
{
public:
    Tensor() = default;

    // Allocates uninitialised memory for `shape` on `backend`, which must outlive the tensor.
    Tensor(Backend& backend, Shape shape)
        : m_backend(&backend)
        , m_shape(std::move(shape))
        , m_strides(contiguousStrides(m_shape))
    {
        const auto count = static_cast<size_t>(elementCount(m_shape));
        Backend* owner = m_backend;
        m_data = std::shared_ptr<float>(backend.allocate(count),
                                        [owner](float* p) { owner->deallocate(p); });
    }

    static Tensor zeros(Backend& backend, Shape shape)
    {
        Tensor t(backend, std::move(shape));
        backend.fill(t.data(), 0.0f, static_cast<size_t>(t.size()));
        return t;
    }

    static Tensor fromHost(Backend& backend, Shape shape, std::span<const float> values)
    {
        Tensor t(backend, std::move(shape));
        t.upload(values);
        return t;
    }

    // The same buffer seen with another shape of equal size (Flatten, NHWC <-> matrix views).
    Tensor reshaped(Shape shape) const
    {
        TS_ASSERT(elementCount(shape) == size());
        Tensor view = *this;
        view.m_strides = contiguousStrides(shape);
        view.m_shape = std::move(shape);
        return view;
    }

    bool empty() const { return !m_data; }
    Backend& backend() const { return *m_backend; }
    const Shape& shape() const { return m_shape; }
    const Shape& strides() const { return m_strides; }
    int64_t dim(size_t i) const { return m_shape.at(i); }
    int64_t size() const { return elementCount(m_shape); }
    // A tensor seen as a matrix: the first dimension are rows, the others flattened into columns.
    int64_t rows() const { return m_shape.empty() ? 1 : m_shape[0]; }
    int64_t cols() const { return m_shape.empty() ? 1 : size() / m_shape[0]; }

    float* data() { return m_data.get(); }
    const float* data() const { return m_data.get(); }

    // Copies host values in; `values` must hold exactly size() floats.
    void upload(std::span<const float> values)
    {
        m_backend->upload(data(), values.data(), static_cast<size_t>(size()));
    }

    std::vector<float> toHost() const
    {
        std::vector<float> out(static_cast<size_t>(size()));
        m_backend->download(out.data(), data(), out.size());
        return out;
    }

private:
    static Shape contiguousStrides(const Shape& shape)
    {
        Shape strides(shape.size(), 1);
        for (size_t i = shape.size(); i-- > 1;)
            strides[i - 1] = strides[i] * shape[i];
        return strides;
    }

    Backend* m_backend = nullptr;
    Shape m_shape;
    Shape m_strides;
    std::shared_ptr<float> m_data;
};

struct GemmShape
{
    int64_t m; // rows of op(a) and c
    int64_t n; // columns of op(b) and c
    int64_t k; // the shared dimension
};

// The sizes of c = op(a) * op(b) on the matrix views; aborts when the operands do not fit.
inline GemmShape gemmShape(Transpose transA, Transpose transB, const Tensor& a, const Tensor& b,
                           const Tensor& c)
{
    const bool ta = transA == Transpose::Yes;
    const bool tb = transB == Transpose::Yes;
    const GemmShape shape { ta ? a.cols() : a.rows(), tb ? b.rows() : b.cols(),
                            ta ? a.rows() : a.cols() };
    TS_ASSERT((tb ? b.cols() : b.rows()) == shape.k);
    TS_ASSERT(c.rows() == shape.m && c.cols() == shape.n);
    return shape;
}

} // namespace ts::tensor
