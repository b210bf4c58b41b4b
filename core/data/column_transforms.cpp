#include "data/column_transforms.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts::data {

std::vector<double> sortedValues(const Dataset& data, int64_t col)
{
    std::vector<double> values;
    values.reserve(size_t(data.rows));
    for (int64_t i = 0; i < data.rows; ++i)
        if (const float x = data.row(i)[col]; !std::isnan(x))
            values.push_back(x);
    std::sort(values.begin(), values.end());
    return values;
}

double quantile(const std::vector<double>& sorted, double q)
{
    if (sorted.empty())
        return std::numeric_limits<double>::quiet_NaN();
    const double rank = double(sorted.size() - 1) * q;
    const double below = std::floor(rank);
    const auto lo = std::min(size_t(below), sorted.size() - 1);
    const size_t hi = std::min(lo + 1, sorted.size() - 1);
    const double t = rank - below;
    const double a = sorted[lo];
    const double b = sorted[hi];
    // numpy's _lerp: interpolating from the nearer end keeps the result inside [a, b] and
    // gives the same bits as numpy.quantile.
    const double diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

std::vector<double> quantileBounds(const std::vector<double>& sorted, int buckets)
{
    std::vector<double> bounds;
    for (int k = 1; k < buckets; ++k) {
        const double bound = quantile(sorted, double(k) / double(buckets));
        if (bounds.empty() || bound > bounds.back())
            bounds.push_back(bound);
    }
    return bounds;
}

void clipColumn(Dataset& data, int64_t col, double lower, double upper)
{
    float* value = data.features.data() + col;
    for (int64_t i = 0; i < data.rows; ++i, value += data.cols) {
        const double x = *value;
        if (x < lower)
            *value = float(lower);
        else if (x > upper)
            *value = float(upper);
    }
}

int64_t logColumn(Dataset& data, int64_t col)
{
    float* value = data.features.data() + col;
    for (int64_t i = 0; i < data.rows; ++i, value += data.cols) {
        if (*value <= -1.0f)
            return i;
        *value = float(std::log1p(double(*value)));
    }
    return -1;
}

void bucketizeColumn(Dataset& data, int64_t col, const std::vector<double>& bounds)
{
    float* value = data.features.data() + col;
    for (int64_t i = 0; i < data.rows; ++i, value += data.cols) {
        if (std::isnan(*value))
            continue;
        const auto above = std::upper_bound(bounds.begin(), bounds.end(), double(*value));
        *value = float(above - bounds.begin());
    }
}

} // namespace ts::data
