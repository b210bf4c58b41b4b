// Launch shapes shared by the element-wise style kernels: 256-thread blocks and grid-stride loops.
//
// A grid is capped at MaxBlocks, enough to fill an H100 several times over; the grid-stride loop
// covers the rest, so huge tensors do not launch millions of short-lived blocks.
//
// Device code: include it from .cu files only.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ts::tensor::cuda_impl {

constexpr int BlockSize = 256;
constexpr int64_t MaxBlocks = 4096;

// Blocks for `count` items at one item per thread, capped at MaxBlocks.
inline int gridFor(int64_t count)
{
    return static_cast<int>(std::min<int64_t>((count + BlockSize - 1) / BlockSize, MaxBlocks));
}

__device__ inline int64_t firstIndex()
{
    return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

__device__ inline int64_t gridStride()
{
    return static_cast<int64_t>(blockDim.x) * gridDim.x;
}

} // namespace ts::tensor::cuda_impl
