#include "data/normalizer.h"

#include "common/assert.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ts::data {

std::string toString(ScaleKind kind)
{
    switch (kind) {
    case ScaleKind::None:
        return "none";
    case ScaleKind::Unit:
        return "unit";
    case ScaleKind::MinMax:
        return "min-max";
    case ScaleKind::Standardize:
        return "standardize";
    }
    return "none";
}

namespace {

float safeInverse(double spread)
{
    return spread > 0 ? static_cast<float>(1.0 / spread) : 1.0f;
}

} // namespace

Normalizer Normalizer::fit(const Dataset& train, ScaleKind kind)
{
    Normalizer n;
    n.m_kind = kind;
    const auto cols = static_cast<size_t>(train.cols);
    if (kind == ScaleKind::None || train.rows == 0)
        return n;
    if (kind == ScaleKind::Unit) {
        const auto [lo, hi] = std::minmax_element(train.features.begin(), train.features.end());
        n.m_offsets = { *lo };
        n.m_factors = { safeInverse(double(*hi) - double(*lo)) };
        return n;
    }
    n.m_offsets.assign(cols, 0.0f);
    n.m_factors.assign(cols, 1.0f);
    if (kind == ScaleKind::MinMax) {
        std::vector<float> lo(cols, std::numeric_limits<float>::max());
        std::vector<float> hi(cols, std::numeric_limits<float>::lowest());
        for (int64_t i = 0; i < train.rows; ++i)
            for (size_t j = 0; j < cols; ++j) {
                lo[j] = std::min(lo[j], train.row(i)[j]);
                hi[j] = std::max(hi[j], train.row(i)[j]);
            }
        for (size_t j = 0; j < cols; ++j) {
            n.m_offsets[j] = lo[j];
            n.m_factors[j] = safeInverse(double(hi[j]) - double(lo[j]));
        }
        return n;
    }
    // Standardize: two passes in double, exact enough for millions of rows.
    std::vector<double> mean(cols, 0.0), var(cols, 0.0);
    for (int64_t i = 0; i < train.rows; ++i)
        for (size_t j = 0; j < cols; ++j)
            mean[j] += train.row(i)[j];
    for (double& m : mean)
        m /= static_cast<double>(train.rows);
    for (int64_t i = 0; i < train.rows; ++i)
        for (size_t j = 0; j < cols; ++j) {
            const double d = train.row(i)[j] - mean[j];
            var[j] += d * d;
        }
    for (size_t j = 0; j < cols; ++j) {
        n.m_offsets[j] = static_cast<float>(mean[j]);
        n.m_factors[j] = safeInverse(std::sqrt(var[j] / static_cast<double>(train.rows)));
    }
    return n;
}

void Normalizer::apply(Dataset& data) const
{
    if (m_kind == ScaleKind::None)
        return;
    const auto cols = static_cast<size_t>(data.cols);
    const bool global = m_offsets.size() == 1;
    TS_ASSERT(global || m_offsets.size() == cols);
    for (int64_t i = 0; i < data.rows; ++i) {
        float* row = data.features.data() + i * data.cols;
        for (size_t j = 0; j < cols; ++j) {
            const size_t k = global ? 0 : j;
            row[j] = (row[j] - m_offsets[k]) * m_factors[k];
        }
    }
}

} // namespace ts::data
