#include "store/lttb.h"

#include <cmath>

namespace ts::store {

std::vector<size_t> lttbIndices(std::span<const double> x, std::span<const double> y,
                                size_t threshold)
{
    const size_t n = x.size();
    std::vector<size_t> kept;
    if (threshold >= n || threshold < 3) {
        kept.resize(n);
        for (size_t i = 0; i < n; ++i)
            kept[i] = i;
        return kept;
    }
    kept.reserve(threshold);
    kept.push_back(0);
    // The n - 2 inner points are cut into threshold - 2 buckets of (nearly) equal count.
    const double bucket = double(n - 2) / double(threshold - 2);
    size_t previous = 0; // the point kept last
    for (size_t b = 0; b < threshold - 2; ++b) {
        const size_t first = 1 + size_t(std::floor(double(b) * bucket));
        const size_t end = 1 + size_t(std::floor(double(b + 1) * bucket));
        // The mean of the next bucket (the last point for the last bucket), NaN skipped.
        const size_t nextFirst = end;
        const size_t nextEnd =
                b + 3 < threshold ? 1 + size_t(std::floor(double(b + 2) * bucket)) : n;
        double meanX = 0, meanY = 0;
        size_t count = 0;
        for (size_t i = nextFirst; i < nextEnd; ++i) {
            if (std::isnan(y[i]))
                continue;
            meanX += x[i];
            meanY += y[i];
            ++count;
        }
        if (count > 0) {
            meanX /= double(count);
            meanY /= double(count);
        } else { // a next bucket of NaN only: aim at its first point's x, the kept point's y
            meanX = x[nextFirst];
            meanY = y[previous];
        }
        // The point of this bucket spanning the largest triangle with the previous kept point
        // and the next bucket's mean. NaN points never win; a bucket of NaN only keeps its first
        // point, so the chart shows the gap.
        size_t best = first;
        double bestArea = -1;
        const double ax = x[previous], ay = y[previous];
        for (size_t i = first; i < end; ++i) {
            if (std::isnan(y[i]))
                continue;
            const double area = std::abs((ax - meanX) * (y[i] - ay) - (ax - x[i]) * (meanY - ay));
            if (area > bestArea) {
                bestArea = area;
                best = i;
            }
        }
        kept.push_back(best);
        if (!std::isnan(y[best]))
            previous = best;
    }
    kept.push_back(n - 1);
    return kept;
}

} // namespace ts::store
