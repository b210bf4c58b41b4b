// FeatureStats: a per-feature summary of a Dataset, stored with every run as the reference that
// drift monitoring compares served data against (PSI reads the bins, KS the quantiles).
//
// Statistics cover the values that are not NaN; NaN counts as missing. `stddev` is the population
// deviation (numpy's default, ddof = 0). Quantiles are exact, interpolated linearly between the
// two nearest ranks as numpy.quantile's default does: position q * (count - 1) of the sorted
// values. The histogram has 10 equal-width bins over [min, max], the last bin closed as in
// numpy.histogram; a constant feature gets numpy's bins over [min - 0.5, max + 0.5].
//
// @code
//     const data::DatasetStats stats = data::computeStats(train);
//     stats.features[0].quantiles[4]; // the median of the first feature
// @endcode
//
// A feature without any value (all NaN) has NaN mean, stddev, min and max and empty quantiles
// and bins. A categorical feature counts its categories instead: `categories` holds their text,
// sorted, and binCounts the rows of each (binEdges, quantiles empty; mean to max NaN); the drift
// reference of a category is its share.
#pragma once

#include "data/dataset.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace ts::data {

// The probabilities of FeatureStats::quantiles, in order.
inline constexpr std::array<double, 9> StatsQuantiles { 0.0,  0.01, 0.05, 0.25, 0.5,
                                                        0.75, 0.95, 0.99, 1.0 };
inline constexpr int StatsBins = 10;

struct FeatureStats
{
    std::string name;    // the column name, or "f<i>" when the source has none
    int64_t count = 0;   // values that are not NaN
    int64_t missing = 0; // NaN values
    double mean = 0;
    double stddev = 0;
    double min = 0;
    double max = 0;
    std::vector<double> quantiles;  // at StatsQuantiles: p0, p1, p5, p25, p50, p75, p95, p99, p100
    std::vector<double> binEdges;   // StatsBins + 1 edges, ascending
    std::vector<int64_t> binCounts; // StatsBins counts, or one per category
    std::vector<std::string> categories; // categorical features only, sorted
};

struct DatasetStats
{
    int64_t rows = 0;
    std::vector<FeatureStats> features; // one per column, in column order
    std::vector<int64_t> labelCounts;   // rows per class index, max(classCount, max label + 1)
};

// The statistics of every feature of `dataset` and its label balance. Exact: each feature is
// copied once and partially sorted (nth_element), O(rows) per feature.
DatasetStats computeStats(const Dataset& dataset);

} // namespace ts::data
