// The window geometry as the kernels of im2col.cu and pooling.cu see it: WindowGeometry with the
// output sizes precomputed (its methods are host-only) and the index helpers both families share.
//
// Device code: include it from .cu files only.
#pragma once

#include "tensor/backend.h" // for WindowGeometry

#include <cstdint>

namespace ts::tensor::cuda_impl {

struct Window
{
    int64_t batch, height, width, channels;
    int64_t kernelH, kernelW, strideH, strideW, padH, padW, dilationH, dilationW;
    int64_t outHeight, outWidth;
};

inline Window windowOf(const WindowGeometry& g)
{
    return { g.batch,   g.height, g.width, g.channels,  g.kernelH,   g.kernelW,     g.strideH,
             g.strideW, g.padH,   g.padW,  g.dilationH, g.dilationW, g.outHeight(), g.outWidth() };
}

// The output position whose window tap `k` (kernel row or column) lands on input position `in`,
// or -1 when there is none: out * stride - pad + k * dilation == in must hold exactly.
__device__ inline int64_t outputFor(int64_t in, int64_t k, int64_t stride, int64_t pad,
                                    int64_t dilation, int64_t outSize)
{
    const int64_t shifted = in + pad - k * dilation;
    if (shifted < 0 || shifted % stride != 0)
        return -1;
    const int64_t out = shifted / stride;
    return out < outSize ? out : -1;
}

// A flat NHWC index split into (n, h, w, c) for an image of height x width x channels.
struct Pixel
{
    int64_t n, h, w, c;
};

__device__ inline Pixel pixelOf(int64_t index, int64_t height, int64_t width, int64_t channels)
{
    Pixel p;
    p.c = index % channels;
    index /= channels;
    p.w = index % width;
    index /= width;
    p.h = index % height;
    p.n = index / height;
    return p;
}

} // namespace ts::tensor::cuda_impl
