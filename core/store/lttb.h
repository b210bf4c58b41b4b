// Largest-Triangle-Three-Buckets downsampling (Sveinn Steinarsson, "Downsampling Time Series for
// Visual Representation", 2013): picks `threshold` of the points of a series so that a chart of
// them looks like a chart of all of them. The first and the last point are always kept; the
// series is cut into threshold - 2 buckets of equal count, and from each bucket the point that
// spans the largest triangle with the point kept before it and the mean of the next bucket is
// kept, so spikes survive where averaging would flatten them.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace ts::store {

// The indices (ascending) of the points LTTB keeps of the series (x[i], y[i]), x ascending.
// Every index when threshold >= x.size() or threshold < 3 (then nothing to pick from).
// NaN y values (a diverged loss, stored as NULL) are skipped in the bucket means and never win a
// bucket, unless the whole bucket is NaN: then its first point is kept, so the chart shows the
// gap. A kept NaN point is not the anchor of the next triangle; the last finite one is. While no
// finite point is kept (the series starts with NaN) the anchor's y is the next bucket's mean, so
// the point farthest from it wins. A next bucket of NaN only stands for the point at its first x
// and the anchor's y. The first and the last point are kept even when NaN.
std::vector<size_t> lttbIndices(std::span<const double> x, std::span<const double> y,
                                size_t threshold);

} // namespace ts::store
