// CPU im2col/col2im and pooling over NHWC images.
//
// Every op walks the output pixels (n, oh, ow) and, for each window position (kh, kw), works on
// the C contiguous channels of one input pixel. The bounds of the window are clipped once per
// output row and column (WindowSpan), so the channel loops carry no bounds checks and vectorise;
// im2col copies whole channel runs with memcpy, and with dilation 1 the kw positions of one
// kernel row are adjacent in both the image and the patch, so a whole kernel row is one run.
#include "tensor/cpu/cpu_backend.h"

#include "common/assert.h"
#include "tensor/tensor.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace ts::tensor {

namespace {

// The kernel positions k in [first, last) of one axis whose input index
// origin + k * dilation lies inside [0, size).
struct WindowSpan
{
    int64_t origin;
    int64_t first;
    int64_t last;
};

WindowSpan clipWindow(int64_t out, int64_t stride, int64_t pad, int64_t dilation, int64_t kernel,
                      int64_t size)
{
    const int64_t origin = out * stride - pad;
    int64_t first = 0;
    while (first < kernel && origin + first * dilation < 0)
        ++first;
    int64_t last = kernel;
    while (last > first && origin + (last - 1) * dilation >= size)
        --last;
    return { origin, first, last };
}

// The clipped windows of every output row and column, computed once per call.
struct WindowSpans
{
    explicit WindowSpans(const WindowGeometry& g)
    {
        for (int64_t oh = 0; oh < g.outHeight(); ++oh)
            rows.push_back(clipWindow(oh, g.strideH, g.padH, g.dilationH, g.kernelH, g.height));
        for (int64_t ow = 0; ow < g.outWidth(); ++ow)
            cols.push_back(clipWindow(ow, g.strideW, g.padW, g.dilationW, g.kernelW, g.width));
    }
    int64_t outHeight() const { return int64_t(rows.size()); }
    int64_t outWidth() const { return int64_t(cols.size()); }

    std::vector<WindowSpan> rows;
    std::vector<WindowSpan> cols;
};

void checkImages(const Tensor& images, const WindowGeometry& g)
{
    TS_ASSERT(g.kernelH > 0 && g.kernelW > 0 && g.strideH > 0 && g.strideW > 0);
    TS_ASSERT(g.dilationH > 0 && g.dilationW > 0 && g.padH >= 0 && g.padW >= 0);
    TS_ASSERT(images.size() == g.batch * g.height * g.width * g.channels);
}

// memset for padding runs that are usually empty: most windows lie inside the image, and a
// call per empty run showed up in profiles.
inline void zeroFloats(float* dst, size_t bytes)
{
    if (bytes)
        std::memset(dst, 0, bytes);
}

int64_t outputCount(const WindowGeometry& g)
{
    return g.patchCount() * g.channels;
}

} // namespace

void CpuBackend::im2col(const Tensor& images, const WindowGeometry& g, Tensor& columns)
{
    checkImages(images, g);
    const WindowSpans spans(g);
    TS_ASSERT(columns.size() == g.patchCount() * g.patchSize());
    const int64_t c = g.channels;
    const int64_t rowStride = g.width * c; // one image row
    const int64_t kernelRow = g.kernelW * c;
    const size_t channelBytes = size_t(c) * sizeof(float);
    const int64_t patchSize = g.patchSize();
    m_pool.parallelFor(g.batch, 1, [&](int64_t first, int64_t last) {
        // Images are independent: each thread fills the patch rows of its own images.
        float* __restrict col =
                columns.data() + first * spans.outHeight() * spans.outWidth() * patchSize;
        for (int64_t n = first; n < last; ++n) {
            const float* image = images.data() + n * g.height * rowStride;
            for (int64_t oh = 0; oh < spans.outHeight(); ++oh) {
                const WindowSpan& sh = spans.rows[size_t(oh)];
                for (int64_t ow = 0; ow < spans.outWidth(); ++ow, col += patchSize) {
                    const WindowSpan& sw = spans.cols[size_t(ow)];
                    // Padding rows above and below, then per kernel row: left pad, run, right pad.
                    zeroFloats(col, size_t(sh.first * kernelRow) * sizeof(float));
                    for (int64_t kh = sh.first; kh < sh.last; ++kh) {
                        float* dst = col + kh * kernelRow;
                        const float* src =
                                image + (sh.origin + kh * g.dilationH) * rowStride + sw.origin * c;
                        zeroFloats(dst, size_t(sw.first) * channelBytes);
                        if (g.dilationW == 1) {
                            std::memcpy(dst + sw.first * c, src + sw.first * c,
                                        size_t(sw.last - sw.first) * channelBytes);
                        } else {
                            for (int64_t kw = sw.first; kw < sw.last; ++kw)
                                std::memcpy(dst + kw * c, src + kw * g.dilationW * c, channelBytes);
                        }
                        zeroFloats(dst + sw.last * c, size_t(g.kernelW - sw.last) * channelBytes);
                    }
                    zeroFloats(col + sh.last * kernelRow,
                               size_t((g.kernelH - sh.last) * kernelRow) * sizeof(float));
                }
            }
        }
    });
}

void CpuBackend::col2im(const Tensor& columns, const WindowGeometry& g, Tensor& images)
{
    checkImages(images, g);
    const WindowSpans spans(g);
    TS_ASSERT(columns.size() == g.patchCount() * g.patchSize());
    const int64_t c = g.channels;
    const int64_t rowStride = g.width * c;
    const int64_t kernelRow = g.kernelW * c;
    const int64_t patchSize = g.patchSize();
    m_pool.parallelFor(g.batch, 1, [&](int64_t first, int64_t last) {
        const int64_t imageSize = g.height * g.width * c;
        std::fill(images.data() + first * imageSize, images.data() + last * imageSize, 0.0f);
        // Each image only receives from its own patches: threads never write the same pixel.
        const float* __restrict col =
                columns.data() + first * spans.outHeight() * spans.outWidth() * patchSize;
        for (int64_t n = first; n < last; ++n) {
            float* image = images.data() + n * g.height * rowStride;
            for (int64_t oh = 0; oh < spans.outHeight(); ++oh) {
                const WindowSpan& sh = spans.rows[size_t(oh)];
                for (int64_t ow = 0; ow < spans.outWidth(); ++ow, col += patchSize) {
                    const WindowSpan& sw = spans.cols[size_t(ow)];
                    for (int64_t kh = sh.first; kh < sh.last; ++kh) {
                        const float* __restrict src = col + kh * kernelRow;
                        float* __restrict dst =
                                image + (sh.origin + kh * g.dilationH) * rowStride + sw.origin * c;
                        if (g.dilationW == 1) {
                            // Adjacent kw positions are adjacent pixels: one run to accumulate.
                            for (int64_t i = sw.first * c; i < sw.last * c; ++i)
                                dst[i] += src[i];
                            continue;
                        }
                        for (int64_t kw = sw.first; kw < sw.last; ++kw) {
                            float* __restrict d = dst + kw * g.dilationW * c;
                            const float* __restrict s = src + kw * c;
                            for (int64_t i = 0; i < c; ++i)
                                d[i] += s[i];
                        }
                    }
                }
            }
        }
    });
}

void CpuBackend::maxPoolForward(const Tensor& x, const WindowGeometry& g, Tensor& y)
{
    checkImages(x, g);
    const WindowSpans spans(g);
    TS_ASSERT(y.size() == outputCount(g));
    const int64_t c = g.channels;
    const int64_t rowStride = g.width * c;
    m_pool.parallelFor(g.batch, 1, [&](int64_t first, int64_t last) {
        float* __restrict out = y.data() + first * spans.outHeight() * spans.outWidth() * c;
        for (int64_t n = first; n < last; ++n) {
            const float* image = x.data() + n * g.height * rowStride;
            for (int64_t oh = 0; oh < spans.outHeight(); ++oh) {
                const WindowSpan& sh = spans.rows[size_t(oh)];
                for (int64_t ow = 0; ow < spans.outWidth(); ++ow, out += c) {
                    const WindowSpan& sw = spans.cols[size_t(ow)];
                    // Padding is skipped rather than read as a value, so it never wins.
                    std::fill(out, out + c, -std::numeric_limits<float>::infinity());
                    for (int64_t kh = sh.first; kh < sh.last; ++kh) {
                        const float* row = image + (sh.origin + kh * g.dilationH) * rowStride;
                        for (int64_t kw = sw.first; kw < sw.last; ++kw) {
                            const float* __restrict in = row + (sw.origin + kw * g.dilationW) * c;
                            for (int64_t i = 0; i < c; ++i)
                                out[i] = std::max(out[i], in[i]);
                        }
                    }
                }
            }
        }
    });
}

void CpuBackend::maxPoolBackward(const Tensor& x, const Tensor& y, const Tensor& dy,
                                 const WindowGeometry& g, Tensor& dx)
{
    checkImages(x, g);
    const WindowSpans spans(g);
    TS_ASSERT(dx.size() == x.size());
    TS_ASSERT(y.size() == outputCount(g) && dy.size() == outputCount(g));
    const int64_t c = g.channels;
    const int64_t rowStride = g.width * c;
    // pending[i] is the gradient of channel i not yet routed in this window: the first position
    // equal to the maximum takes it and zeroes it, so ties go to the first position. All-float
    // selects keep the channel loop branch-free and vectorised.
    m_pool.parallelFor(g.batch, 1, [&](int64_t first, int64_t last) {
        const int64_t imageSize = g.height * g.width * c;
        std::fill(dx.data() + first * imageSize, dx.data() + last * imageSize, 0.0f);
        std::vector<float> pendingStorage(static_cast<size_t>(c));
        float* __restrict pending = pendingStorage.data();
        const int64_t firstOutput = first * spans.outHeight() * spans.outWidth() * c;
        const float* __restrict maxima = y.data() + firstOutput;
        const float* __restrict grads = dy.data() + firstOutput;
        for (int64_t n = first; n < last; ++n) {
            const float* image = x.data() + n * g.height * rowStride;
            float* imageGrad = dx.data() + n * g.height * rowStride;
            for (int64_t oh = 0; oh < spans.outHeight(); ++oh) {
                const WindowSpan& sh = spans.rows[size_t(oh)];
                for (int64_t ow = 0; ow < spans.outWidth(); ++ow, maxima += c, grads += c) {
                    const WindowSpan& sw = spans.cols[size_t(ow)];
                    std::copy(grads, grads + c, pending);
                    for (int64_t kh = sh.first; kh < sh.last; ++kh) {
                        const int64_t rowOffset = (sh.origin + kh * g.dilationH) * rowStride;
                        for (int64_t kw = sw.first; kw < sw.last; ++kw) {
                            const int64_t offset = rowOffset + (sw.origin + kw * g.dilationW) * c;
                            const float* __restrict in = image + offset;
                            float* __restrict d = imageGrad + offset;
                            for (int64_t i = 0; i < c; ++i) {
                                const float routed = in[i] == maxima[i] ? pending[i] : 0.0f;
                                d[i] += routed;
                                pending[i] -= routed;
                            }
                        }
                    }
                }
            }
        }
    });
}

void CpuBackend::avgPoolForward(const Tensor& x, const WindowGeometry& g, Tensor& y)
{
    checkImages(x, g);
    const WindowSpans spans(g);
    TS_ASSERT(y.size() == outputCount(g));
    const int64_t c = g.channels;
    const int64_t rowStride = g.width * c;
    // count_include_pad: padded positions add zero but still count in the divisor.
    const float invCount = 1.0f / float(g.kernelH * g.kernelW);
    float* __restrict out = y.data();
    for (int64_t n = 0; n < g.batch; ++n) {
        const float* image = x.data() + n * g.height * rowStride;
        for (int64_t oh = 0; oh < spans.outHeight(); ++oh) {
            const WindowSpan& sh = spans.rows[size_t(oh)];
            for (int64_t ow = 0; ow < spans.outWidth(); ++ow, out += c) {
                const WindowSpan& sw = spans.cols[size_t(ow)];
                std::fill(out, out + c, 0.0f);
                for (int64_t kh = sh.first; kh < sh.last; ++kh) {
                    const float* row = image + (sh.origin + kh * g.dilationH) * rowStride;
                    for (int64_t kw = sw.first; kw < sw.last; ++kw) {
                        const float* __restrict in = row + (sw.origin + kw * g.dilationW) * c;
                        for (int64_t i = 0; i < c; ++i)
                            out[i] += in[i];
                    }
                }
                for (int64_t i = 0; i < c; ++i)
                    out[i] *= invCount;
            }
        }
    }
}

void CpuBackend::avgPoolBackward(const Tensor& dy, const WindowGeometry& g, Tensor& dx)
{
    checkImages(dx, g);
    const WindowSpans spans(g);
    TS_ASSERT(dy.size() == outputCount(g));
    const int64_t c = g.channels;
    const int64_t rowStride = g.width * c;
    const float invCount = 1.0f / float(g.kernelH * g.kernelW);
    std::fill(dx.data(), dx.data() + dx.size(), 0.0f);
    const float* __restrict grads = dy.data();
    for (int64_t n = 0; n < g.batch; ++n) {
        float* imageGrad = dx.data() + n * g.height * rowStride;
        for (int64_t oh = 0; oh < spans.outHeight(); ++oh) {
            const WindowSpan& sh = spans.rows[size_t(oh)];
            for (int64_t ow = 0; ow < spans.outWidth(); ++ow, grads += c) {
                const WindowSpan& sw = spans.cols[size_t(ow)];
                for (int64_t kh = sh.first; kh < sh.last; ++kh) {
                    float* row = imageGrad + (sh.origin + kh * g.dilationH) * rowStride;
                    for (int64_t kw = sw.first; kw < sw.last; ++kw) {
                        float* __restrict d = row + (sw.origin + kw * g.dilationW) * c;
                        for (int64_t i = 0; i < c; ++i)
                            d[i] += grads[i] * invCount;
                    }
                }
            }
        }
    }
}

} // namespace ts::tensor
