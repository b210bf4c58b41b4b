// Benchmark support: the statistics the benchmarks print (medians of repeated runs, see
// README, Performance).
#pragma once

#include <algorithm>
#include <vector>

namespace ts::bench {

inline double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty()       ? 0
            : v.size() % 2 ? v[v.size() / 2]
                           : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

} // namespace ts::bench
