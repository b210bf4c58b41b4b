// The counter-based random numbers behind dropout masks: a pure function of (seed, index), so
// the CPU and CUDA backends draw identical masks and a resumed run redraws the same ones.
// SplitMix64's finaliser, good enough for masks and cheap on every device. Plain C++17, no
// dependencies: the .cu files include it too.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define TS_HOST_DEVICE __host__ __device__
#else
#define TS_HOST_DEVICE
#endif

namespace ts::tensor {

// A uniform float in [0, 1) for element `index` of the mask drawn with `seed`.
TS_HOST_DEVICE inline float dropoutUniform(uint64_t seed, uint64_t index)
{
    uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return static_cast<float>(z >> 40) * (1.0f / 16777216.0f); // 24 bits -> [0, 1)
}

} // namespace ts::tensor
