#include "tensor/cuda/im2col.cuh"

#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/grid.cuh"
#include "tensor/cuda/window.cuh"

namespace ts::tensor::cuda_impl {

namespace {

// One thread per entry of the columns matrix: neighbouring threads write neighbouring columns and
// read neighbouring channels of one pixel, so both sides are coalesced.
__global__ void im2colKernel(const float* images, Window g, float* columns, int64_t count)
{
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        int64_t rest = i;
        const int64_t c = rest % g.channels;
        rest /= g.channels;
        const int64_t kw = rest % g.kernelW;
        rest /= g.kernelW;
        const int64_t kh = rest % g.kernelH;
        rest /= g.kernelH;
        const int64_t ow = rest % g.outWidth;
        rest /= g.outWidth;
        const int64_t oh = rest % g.outHeight;
        const int64_t n = rest / g.outHeight;
        const int64_t ih = oh * g.strideH - g.padH + kh * g.dilationH;
        const int64_t iw = ow * g.strideW - g.padW + kw * g.dilationW;
        const bool inside = ih >= 0 && ih < g.height && iw >= 0 && iw < g.width;
        columns[i] = inside ? images[((n * g.height + ih) * g.width + iw) * g.channels + c] : 0.0f;
    }
}

// One thread per input pixel and channel. Output rows grow as the kernel tap shrinks
// (oh = (ih + padH - kh * dilationH) / strideH), so walking kh and kw downwards adds the entries
// in increasing (oh, ow) order.
__global__ void col2imKernel(const float* columns, Window g, float* images, int64_t count)
{
    const int64_t patchSize = g.kernelH * g.kernelW * g.channels;
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
                const int64_t row = (p.n * g.outHeight + oh) * g.outWidth + ow;
                sum += columns[row * patchSize + (kh * g.kernelW + kw) * g.channels + p.c];
            }
        }
        images[i] = sum;
    }
}

} // namespace

void launchIm2col(const float* images, const WindowGeometry& g, float* columns, cudaStream_t stream)
{
    const int64_t count = g.patchCount() * g.patchSize();
    if (count <= 0)
        return;
    im2colKernel<<<gridFor(count), BlockSize, 0, stream>>>(images, windowOf(g), columns, count);
    CUDA_CHECK_LAUNCH();
}

void launchCol2im(const float* columns, const WindowGeometry& g, float* images, cudaStream_t stream)
{
    const int64_t count = g.batch * g.height * g.width * g.channels;
    if (count <= 0)
        return;
    col2imKernel<<<gridFor(count), BlockSize, 0, stream>>>(columns, windowOf(g), images, count);
    CUDA_CHECK_LAUNCH();
}

} // namespace ts::tensor::cuda_impl
