// FeatureBins: the histogram bins of a random forest's features (as LightGBM and scikit-learn's
// HistGradientBoosting bin theirs). Each feature gets at most 256 bins whose upper edges are its
// distinct training values when it has that few (pixels, counts, categories: exact), else its
// quantiles. A split "bin <= t" is then the threshold "value <= edge[t]", so a tree trained on
// bins predicts from raw values.
//
// @code
//     BinnedColumns columns;                              // uint8 per value, column by column
//     auto bins = FeatureBins::fit(train, 2, &columns);   // per feature, from the training rows
//     float threshold = bins.edge(feature, t);
// @endcode
#pragma once

#include "data/dataset.h"

#include <cstdint>
#include <vector>

namespace ts::forest {

constexpr int MaxBins = 256;

// Binned features, one column of rows after another: column f is values[f * rows .. +rows).
struct BinnedColumns
{
    int64_t rows = 0;
    int64_t cols = 0;
    std::vector<uint8_t> values;
    const uint8_t* column(int64_t f) const { return values.data() + f * rows; }
};

class FeatureBins
{
public:
    // Bins of every feature of `data`, computed by `threads` threads; with `binned`, also the
    // bins of data's own values (faster than apply() after).
    static FeatureBins fit(const data::Dataset& data, int threads = 1,
                           BinnedColumns* binned = nullptr);

    int64_t features() const { return int64_t(m_edges.size()); }
    int bins(int64_t feature) const { return int(m_edges[size_t(feature)].size()); }
    // The largest value of bin `bin` of `feature`: values <= it fall in bins 0 .. bin.
    float edge(int64_t feature, int bin) const { return m_edges[size_t(feature)][size_t(bin)]; }
    uint8_t binOf(int64_t feature, float value) const;
    BinnedColumns apply(const data::Dataset& data, int threads = 1) const;

private:
    std::vector<std::vector<float>> m_edges; // per feature, ascending; the last is +inf
};

} // namespace ts::forest
