// Max and average pooling of the CUDA backend, forward and backward, on NHWC images (launchers;
// kernels in the .cu).
//
// The window of output (n, oh, ow, c) covers the input pixels
//   ih = oh * strideH - padH + kh * dilationH,  iw = ow * strideW - padW + kw * dilationW
// for kh < kernelH, kw < kernelW; y is batch x outHeight x outWidth x channels.
//  - max: padded positions never win; y = -inf for a window with no pixel inside the image.
//  - average: padding counts as zeros and the divisor is always kernelH * kernelW
//    (PyTorch's count_include_pad=True), applied as a product with its float reciprocal.
// The backward passes are gathers (one thread per input pixel, no atomics, deterministic) that
// add the contributions of the windows in increasing (oh, ow) order, as a sequential scatter over
// the outputs does. Queued on `stream`; pointers are device memory.
// Plain C++17, so both g++ (C++20) and nvcc include it.
#pragma once

#include "tensor/backend.h" // for WindowGeometry

#include <cuda_runtime_api.h> // for cudaStream_t

namespace ts::tensor::cuda_impl {

// y = the maximum of each window.
void launchMaxPoolForward(const float* x, const WindowGeometry& g, float* y, cudaStream_t stream);

// dx = 0, then dy of each window goes to the first position in (kh, kw) order where x == y.
void launchMaxPoolBackward(const float* x, const float* y, const float* dy, const WindowGeometry& g,
                           float* dx, cudaStream_t stream);

// y = (sum of the window's pixels inside the image) * (1 / (kernelH * kernelW)).
void launchAvgPoolForward(const float* x, const WindowGeometry& g, float* y, cudaStream_t stream);

// dx = the sum, over the windows that cover the pixel, of dy * (1 / (kernelH * kernelW)).
void launchAvgPoolBackward(const float* dy, const WindowGeometry& g, float* dx,
                           cudaStream_t stream);

} // namespace ts::tensor::cuda_impl
