#include "data/feature_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts::data {

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// The non-NaN values of column `col`; NaN values are counted in `missing`.
std::vector<double> columnValues(const Dataset& dataset, int64_t col, int64_t& missing)
{
    std::vector<double> values;
    values.reserve(size_t(dataset.rows));
    for (int64_t r = 0; r < dataset.rows; ++r) {
        const double v = dataset.features[size_t(r * dataset.cols + col)];
        if (std::isnan(v))
            ++missing;
        else
            values.push_back(v);
    }
    return values;
}

// numpy.quantile's linear method; `values` is reordered. The probabilities ascend, so each
// selection only searches the part at or above the previous one.
std::vector<double> quantilesOf(std::vector<double>& values)
{
    std::vector<double> result;
    auto from = values.begin();
    const double last = double(values.size() - 1);
    for (const double q : StatsQuantiles) {
        const double position = q * last;
        const auto lower = values.begin() + std::ptrdiff_t(std::floor(position));
        std::nth_element(from, lower, values.end());
        from = lower;
        const double fraction = position - std::floor(position);
        double value = *lower;
        if (fraction > 0) // everything after `lower` is >= *lower; the next rank is their minimum
            value += fraction * (*std::min_element(lower + 1, values.end()) - *lower);
        result.push_back(value);
    }
    return result;
}

void fillHistogram(const std::vector<double>& values, FeatureStats& f)
{
    double low = f.min, high = f.max;
    if (low == high) { // numpy.histogram's bins for a constant feature
        low -= 0.5;
        high += 0.5;
    }
    const double width = (high - low) / StatsBins;
    for (int i = 0; i <= StatsBins; ++i)
        f.binEdges.push_back(i == StatsBins ? high : low + i * width);
    f.binCounts.assign(StatsBins, 0);
    for (const double v : values) {
        const auto bin = std::clamp(int64_t(std::floor((v - low) / width)), int64_t(0),
                                    int64_t(StatsBins - 1));
        ++f.binCounts[size_t(bin)];
    }
}

// Rows per category, by text: two reads of the same data give the same counts whatever their
// codes.
void countCategories(const Dataset& dataset, int64_t col, FeatureStats& f)
{
    const std::vector<std::string>& text = dataset.columnTypes[size_t(col)].categories;
    std::vector<int64_t> perCode(text.size(), 0);
    for (int64_t r = 0; r < dataset.rows; ++r) {
        const float code = dataset.row(r)[col];
        if (std::isnan(code))
            ++f.missing;
        else
            ++perCode[size_t(code)];
    }
    std::vector<size_t> order;
    for (size_t c = 0; c < perCode.size(); ++c) {
        if (perCode[c] > 0)
            order.push_back(c);
    }
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return text[a] < text[b]; });
    for (const size_t c : order) {
        f.categories.push_back(text[c]);
        f.binCounts.push_back(perCode[c]);
        f.count += perCode[c];
    }
    f.mean = f.stddev = f.min = f.max = NaN;
}

FeatureStats featureStats(const Dataset& dataset, int64_t col)
{
    FeatureStats f;
    f.name = size_t(col) < dataset.columnNames.size() ? dataset.columnNames[size_t(col)]
                                                      : "f" + std::to_string(col);
    if (dataset.kindOf(col) == ColumnKind::Categorical) {
        countCategories(dataset, col, f);
        return f;
    }
    std::vector<double> values = columnValues(dataset, col, f.missing);
    f.count = int64_t(values.size());
    if (values.empty()) {
        f.mean = f.stddev = f.min = f.max = NaN;
        return f;
    }
    double sum = 0;
    for (const double v : values)
        sum += v;
    f.mean = sum / double(f.count);
    double squares = 0; // two passes: no cancellation for large means
    for (const double v : values)
        squares += (v - f.mean) * (v - f.mean);
    f.stddev = std::sqrt(squares / double(f.count));
    const auto [lowest, highest] = std::minmax_element(values.begin(), values.end());
    f.min = *lowest;
    f.max = *highest;
    fillHistogram(values, f);
    f.quantiles = quantilesOf(values);
    return f;
}

} // namespace

DatasetStats computeStats(const Dataset& dataset)
{
    DatasetStats stats;
    stats.rows = dataset.rows;
    for (int64_t col = 0; col < dataset.cols; ++col)
        stats.features.push_back(featureStats(dataset, col));
    stats.labelCounts.assign(size_t(std::max<int64_t>(dataset.classCount, 0)), 0);
    for (const float label : dataset.labels) {
        if (std::isnan(label) || label < 0)
            continue;
        const auto index = size_t(label);
        if (index >= stats.labelCounts.size())
            stats.labelCounts.resize(index + 1, 0);
        ++stats.labelCounts[index];
    }
    return stats;
}

} // namespace ts::data
