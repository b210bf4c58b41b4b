#include "data/imputer.h"

#include "common/assert.h"

#include <algorithm>
#include <cmath>

namespace ts::data {

std::string toString(ImputeStrategy strategy)
{
    switch (strategy) {
    case ImputeStrategy::None:
        return "none";
    case ImputeStrategy::Mean:
        return "mean";
    case ImputeStrategy::Median:
        return "median";
    case ImputeStrategy::MostFrequent:
        return "most_frequent";
    case ImputeStrategy::Constant:
        return "constant";
    }
    return "none";
}

namespace {

// The values of column `j` that are present, sorted.
std::vector<float> presentValues(const Dataset& data, int64_t j)
{
    std::vector<float> values;
    values.reserve(static_cast<size_t>(data.rows));
    for (int64_t i = 0; i < data.rows; ++i)
        if (const float x = data.row(i)[j]; !std::isnan(x))
            values.push_back(x);
    std::sort(values.begin(), values.end());
    return values;
}

float mean(const std::vector<float>& values)
{
    double sum = 0;
    for (float x : values)
        sum += x;
    return static_cast<float>(sum / static_cast<double>(values.size()));
}

float median(const std::vector<float>& sorted)
{
    const size_t mid = sorted.size() / 2;
    if (sorted.size() % 2 == 1)
        return sorted[mid];
    return static_cast<float>((double(sorted[mid - 1]) + double(sorted[mid])) / 2.0);
}

// Sorted input: runs of equal values are adjacent, and the first longest run is the smallest.
float mostFrequent(const std::vector<float>& sorted)
{
    float best = sorted.front();
    size_t bestCount = 0;
    for (size_t i = 0; i < sorted.size();) {
        size_t end = i;
        while (end < sorted.size() && sorted[end] == sorted[i])
            ++end;
        if (end - i > bestCount) {
            best = sorted[i];
            bestCount = end - i;
        }
        i = end;
    }
    return best;
}

} // namespace

Imputer Imputer::fit(const Dataset& train, const ImputeSpec& spec)
{
    Imputer imputer;
    imputer.m_strategy = spec.strategy;
    if (spec.strategy == ImputeStrategy::None)
        return imputer;
    imputer.m_fills.assign(static_cast<size_t>(train.cols), 0.0f);
    for (int64_t j = 0; j < train.cols; ++j) {
        float& fill = imputer.m_fills[static_cast<size_t>(j)];
        if (spec.strategy == ImputeStrategy::Constant) {
            fill = spec.value;
            continue;
        }
        const std::vector<float> values = presentValues(train, j);
        if (values.empty())
            continue; // all missing: 0, see the header
        fill = spec.strategy == ImputeStrategy::Mean      ? mean(values)
                : spec.strategy == ImputeStrategy::Median ? median(values)
                                                          : mostFrequent(values);
    }
    return imputer;
}

void Imputer::apply(Dataset& data) const
{
    if (m_strategy == ImputeStrategy::None)
        return;
    TS_ASSERT(m_fills.size() == static_cast<size_t>(data.cols));
    for (int64_t i = 0; i < data.rows; ++i) {
        float* row = data.features.data() + i * data.cols;
        for (size_t j = 0; j < m_fills.size(); ++j)
            if (std::isnan(row[j]))
                row[j] = m_fills[j];
    }
}

MissingReport findMissing(const Dataset& data)
{
    MissingReport report;
    for (int64_t j = 0; j < data.cols && report.column < 0; ++j) {
        if (data.kindOf(j) == ColumnKind::Categorical)
            continue; // a missing category is encoded (fitted_prep.h), not a NaN input
        for (int64_t i = 0; i < data.rows; ++i) {
            if (!std::isnan(data.row(i)[j]))
                continue;
            if (report.count++ == 0) {
                report.column = j;
                report.firstRow = i + 1;
            }
        }
    }
    return report;
}

} // namespace ts::data
