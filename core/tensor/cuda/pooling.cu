#include "tensor/cuda/pooling.cuh"

#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/grid.cuh"
#include "tensor/cuda/window.cuh"

#include <cmath>

namespace ts::tensor::cuda_impl {

namespace {

__device__ int64_t imageIndex(const Window& g, int64_t n, int64_t h, int64_t w, int64_t c)
{
    return ((n * g.height + h) * g.width + w) * g.channels + c;
}

// Walks the taps of window (n, oh, ow, c) that fall inside the image, in (kh, kw) order, and calls
// visit(kh, kw, value); stops early when visit returns true.
template <typename Visit>
__device__ void forEachTap(const float* x, const Window& g, int64_t n, int64_t oh, int64_t ow,
                           int64_t c, Visit visit)
{
    for (int64_t kh = 0; kh < g.kernelH; ++kh) {
        const int64_t ih = oh * g.strideH - g.padH + kh * g.dilationH;
        if (ih < 0 || ih >= g.height)
            continue;
        for (int64_t kw = 0; kw < g.kernelW; ++kw) {
            const int64_t iw = ow * g.strideW - g.padW + kw * g.dilationW;
            if (iw >= 0 && iw < g.width && visit(kh, kw, x[imageIndex(g, n, ih, iw, c)]))
                return;
        }
    }
}

// Thread i owns output i (NHWC of the pooled image).
__global__ void maxPoolForwardKernel(const float* x, Window g, float* y, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const Pixel o = pixelOf(i, g.outHeight, g.outWidth, g.channels);
        float best = -INFINITY;
        forEachTap(x, g, o.n, o.h, o.w, o.c, [&](int64_t, int64_t, float v) {
            best = v > best ? v : best;
            return false;
        });
        y[i] = best;
    }
}

// Sums then scales by the reciprocal of the window size, as the CPU backend does.
__global__ void avgPoolForwardKernel(const float* x, Window g, float* y, float invCount,
                                     int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const Pixel o = pixelOf(i, g.outHeight, g.outWidth, g.channels);
        float sum = 0.0f;
        forEachTap(x, g, o.n, o.h, o.w, o.c, [&](int64_t, int64_t, float v) {
            sum += v;
            return false;
        });
        y[i] = sum * invCount;
    }
}

// Thread i owns input pixel i. For every window that covers it (kh, kw walked downwards, so the
// windows come in increasing (oh, ow) order), the pixel receives that window's dy only when it is
// the window's first tap equal to the maximum, found by rescanning the window: no index scratch,
// and kernels are small (a 3x3 window costs at most 81 reads per pixel).
__global__ void maxPoolBackwardKernel(const float* x, const float* y, const float* dy, Window g,
                                      float* dx, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const Pixel p = pixelOf(i, g.height, g.width, g.channels);
        float sum = 0.0f;
        for (int64_t kh = g.kernelH - 1; kh >= 0; --kh) {
            const int64_t oh = outputFor(p.h, kh, g.strideH, g.padH, g.dilationH, g.outHeight);
            if (oh < 0)
                continue;
            for (int64_t kw = g.kernelW - 1; kw >= 0; --kw) {
                const int64_t ow = outputFor(p.w, kw, g.strideW, g.padW, g.dilationW, g.outWidth);
                if (ow < 0)
                    continue;
                const int64_t o = ((p.n * g.outHeight + oh) * g.outWidth + ow) * g.channels + p.c;
                const float target = y[o];
                bool first = false;
                forEachTap(x, g, p.n, oh, ow, p.c, [&](int64_t th, int64_t tw, float v) {
                    if (v != target)
                        return false;
                    first = th == kh && tw == kw;
                    return true;
                });
                if (first)
                    sum += dy[o];
            }
        }
        dx[i] = sum;
    }
}

__global__ void avgPoolBackwardKernel(const float* dy, Window g, float* dx, float invCount,
                                      int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const Pixel p = pixelOf(i, g.height, g.width, g.channels);
        float sum = 0.0f;
        for (int64_t kh = g.kernelH - 1; kh >= 0; --kh) {
            const int64_t oh = outputFor(p.h, kh, g.strideH, g.padH, g.dilationH, g.outHeight);
            if (oh < 0)
                continue;
            for (int64_t kw = g.kernelW - 1; kw >= 0; --kw) {
                const int64_t ow = outputFor(p.w, kw, g.strideW, g.padW, g.dilationW, g.outWidth);
                if (ow >= 0)
                    sum += dy[((p.n * g.outHeight + oh) * g.outWidth + ow) * g.channels + p.c]
                            * invCount;
            }
        }
        dx[i] = sum;
    }
}

int64_t outputCount(const WindowGeometry& g)
{
    return g.patchCount() * g.channels;
}

int64_t inputCount(const WindowGeometry& g)
{
    return g.batch * g.height * g.width * g.channels;
}

// count_include_pad: padded positions add zero but still count in the divisor.
float invCountOf(const WindowGeometry& g)
{
    return 1.0f / static_cast<float>(g.kernelH * g.kernelW);
}

} // namespace

void launchMaxPoolForward(const float* x, const WindowGeometry& g, float* y, cudaStream_t stream)
{
    const int64_t count = outputCount(g);
    if (count <= 0)
        return;
    maxPoolForwardKernel<<<gridFor(count), BlockSize, 0, stream>>>(x, windowOf(g), y, count);
    CUDA_CHECK_LAUNCH();
}

void launchMaxPoolBackward(const float* x, const float* y, const float* dy, const WindowGeometry& g,
                           float* dx, cudaStream_t stream)
{
    const int64_t count = inputCount(g);
    if (count <= 0)
        return;
    maxPoolBackwardKernel<<<gridFor(count), BlockSize, 0, stream>>>(x, y, dy, windowOf(g), dx,
                                                                    count);
    CUDA_CHECK_LAUNCH();
}

void launchAvgPoolForward(const float* x, const WindowGeometry& g, float* y, cudaStream_t stream)
{
    const int64_t count = outputCount(g);
    if (count <= 0)
        return;
    avgPoolForwardKernel<<<gridFor(count), BlockSize, 0, stream>>>(x, windowOf(g), y, invCountOf(g),
                                                                   count);
    CUDA_CHECK_LAUNCH();
}

void launchAvgPoolBackward(const float* dy, const WindowGeometry& g, float* dx, cudaStream_t stream)
{
    const int64_t count = inputCount(g);
    if (count <= 0)
        return;
    avgPoolBackwardKernel<<<gridFor(count), BlockSize, 0, stream>>>(dy, windowOf(g), dx,
                                                                    invCountOf(g), count);
    CUDA_CHECK_LAUNCH();
}

} // namespace ts::tensor::cuda_impl
