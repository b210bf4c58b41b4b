#include "store/lttb.h"

#include <cmath>
#include <numeric> // for iota

namespace ts::store {
namespace {

struct Point
{
    double x = 0;
    double y = 0;
};

// The mean of the finite points of [first, end). A bucket of NaN only has none; then the chart
// aims at its first x at the anchor's height, so the pick before the gap stays a level line.
Point bucketMean(std::span<const double> x, std::span<const double> y, size_t first, size_t end,
                 Point anchor)
{
    Point mean;
    size_t count = 0;
    for (size_t i = first; i < end; ++i) {
        if (std::isnan(y[i]))
            continue;
        mean.x += x[i];
        mean.y += y[i];
        ++count;
    }
    if (count == 0)
        return { x[first], anchor.y };
    return { mean.x / double(count), mean.y / double(count) };
}

// The point of [first, end) spanning the largest triangle with `anchor` and `next`; NaN points
// never win, and a bucket of NaN only gives its first point.
size_t largestTriangle(std::span<const double> x, std::span<const double> y, size_t first,
                       size_t end, Point anchor, Point next)
{
    size_t best = first;
    double bestArea = -1;
    for (size_t i = first; i < end; ++i) {
        if (std::isnan(y[i]))
            continue;
        // Twice the area; the factor does not change the winner.
        double area = std::abs((anchor.x - next.x) * (y[i] - anchor.y)
                               - (anchor.x - x[i]) * (next.y - anchor.y));
        // With no finite level at all (NaN before and after) every area is NaN: take the first
        // finite point rather than none.
        if (std::isnan(area))
            area = 0;
        if (area > bestArea) {
            bestArea = area;
            best = i;
        }
    }
    return best;
}

} // namespace

std::vector<size_t> lttbIndices(std::span<const double> x, std::span<const double> y,
                                size_t threshold)
{
    const size_t n = x.size();
    std::vector<size_t> kept;
    if (threshold >= n || threshold < 3) {
        kept.resize(n);
        std::iota(kept.begin(), kept.end(), size_t(0));
        return kept;
    }
    // The n - 2 inner points are cut into threshold - 2 buckets; bucket b starts at
    // 1 + floor(b * (n - 2) / (threshold - 2)). Integer arithmetic keeps the floor exact, so
    // no point falls between two buckets through rounding.
    const size_t buckets = threshold - 2;
    const auto bucketStart = [&](size_t b) { return 1 + b * (n - 2) / buckets; };

    kept.reserve(threshold);
    kept.push_back(0);
    size_t anchor = 0; // the last kept point with a finite y, or the first point
    for (size_t b = 0; b < buckets; ++b) {
        const size_t first = bucketStart(b), end = bucketStart(b + 1);
        // The last bucket aims at the last point, which is always kept.
        const size_t nextEnd = b + 1 < buckets ? bucketStart(b + 2) : n;
        Point from { x[anchor], y[anchor] };
        const Point next = bucketMean(x, y, end, nextEnd, from);
        // No finite point kept yet (the series starts with NaN): a level line at the next
        // bucket's mean, so the point farthest from that level wins, as a spike should.
        if (std::isnan(from.y))
            from.y = next.y;
        const size_t best = largestTriangle(x, y, first, end, from, next);
        kept.push_back(best);
        if (!std::isnan(y[best]))
            anchor = best;
    }
    kept.push_back(n - 1);
    return kept;
}

} // namespace ts::store
