// Test support: `n` floats drawn uniformly from [lo, hi) with a seeded std::mt19937, so every
// rank, thread or run of a test can make (or re-make) the same buffer from its seed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace ts::testing {

inline std::vector<float> uniformValues(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f)
{
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> values(lo, hi);
    std::vector<float> out(n);
    for (float& v : out)
        v = values(random);
    return out;
}

} // namespace ts::testing
