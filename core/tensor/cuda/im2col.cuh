// im2col and col2im of the CUDA backend: the patch matrix of NHWC images, and its adjoint
// (launchers; kernels in the .cu).
//
// Layout, as backend.h defines it: images are batch x height x width x channels; the columns
// matrix has one row per output pixel r = (n, oh, ow) and one column per patch entry
// (kh, kw, c). Patch entry (kh, kw) of output (oh, ow) reads input pixel
//   ih = oh * strideH - padH + kh * dilationH,  iw = ow * strideW - padW + kw * dilationW
// and reads 0 outside the image.
//
// col2im is a gather: one thread per input pixel adds up the patch entries that came from it, in
// increasing (oh, ow) order, the order in which a sequential scatter over the rows adds them. No
// atomics, so the result is deterministic. Queued on `stream`; pointers are device memory.
// Plain C++17, so both g++ (C++20) and nvcc include it.
#pragma once

#include "tensor/backend.h" // for WindowGeometry

#include <cuda_runtime_api.h> // for cudaStream_t

namespace ts::tensor::cuda_impl {

// columns (patchCount x patchSize) = the patches of images.
void launchIm2col(const float* images, const WindowGeometry& g, float* columns,
                  cudaStream_t stream);

// images = 0, then every entry of columns added to the pixel it was read from (padding dropped).
void launchCol2im(const float* columns, const WindowGeometry& g, float* images,
                  cudaStream_t stream);

} // namespace ts::tensor::cuda_impl
