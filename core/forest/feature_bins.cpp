#include "forest/feature_bins.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <thread>

namespace ts::forest {

namespace {

// The features of `data` as columns (column f at f * rows), transposed in blocks of rows so
// that both sides stay in cache.
std::vector<float> columnsOf(const data::Dataset& data)
{
    std::vector<float> columns(size_t(data.rows * data.cols));
    constexpr int64_t Block = 64;
    for (int64_t r0 = 0; r0 < data.rows; r0 += Block)
        for (int64_t f0 = 0; f0 < data.cols; f0 += Block)
            for (int64_t r = r0; r < std::min(r0 + Block, data.rows); ++r) {
                const float* row = data.row(r);
                for (int64_t f = f0; f < std::min(f0 + Block, data.cols); ++f)
                    columns[size_t(f * data.rows + r)] = row[f];
            }
    return columns;
}

// The distinct non-NaN values of a column when there are at most MaxBins of them (pixels,
// counts, categories), found with a small open-addressing set of their bits: one probe or two
// per value, where a sorted set or sorting the column costs a binary search or more per value.
class DistinctValues
{
public:
    // False when the column has more than MaxBins distinct values.
    bool collect(const float* column, int64_t rows)
    {
        std::fill(m_used.begin(), m_used.end(), false);
        m_values.clear();
        for (int64_t i = 0; i < rows; ++i) {
            const float v = column[i];
            if (std::isnan(v))
                continue;
            size_t slot = slotOf(v);
            if (m_used[slot])
                continue;
            if (m_values.size() == size_t(MaxBins))
                return false;
            m_used[slot] = true;
            m_keys[slot] = v;
            m_values.push_back(v);
        }
        std::sort(m_values.begin(), m_values.end());
        for (size_t k = 0; k < m_values.size(); ++k)
            m_bin[slotOf(m_values[k])] = uint8_t(k);
        return true;
    }
    const std::vector<float>& sorted() const { return m_values; }
    // The bin of a value collect() saw: its rank among the distinct values.
    uint8_t binOf(float v) const { return m_bin[slotOf(v)]; }

private:
    static constexpr size_t Slots = 1024; // four times MaxBins: short probe chains

    size_t slotOf(float v) const
    {
        // +0 and -0 are one value; their bits differ.
        const uint32_t bits = std::bit_cast<uint32_t>(v == 0.0f ? 0.0f : v);
        size_t slot = (bits * 2654435761u) >> 22; // the top 10 bits of a Knuth hash
        while (m_used[slot] && m_keys[slot] != v)
            slot = (slot + 1) & (Slots - 1);
        return slot;
    }

    std::vector<bool> m_used = std::vector<bool>(Slots, false);
    std::vector<float> m_keys = std::vector<float>(Slots, 0.0f);
    std::vector<uint8_t> m_bin = std::vector<uint8_t>(Slots, 0);
    std::vector<float> m_values;
};

// The bin edges of one column, and with `binned` its bins.
std::vector<float> binColumn(const float* column, int64_t rows, uint8_t* binned)
{
    thread_local DistinctValues distinct;
    std::vector<float> edges;
    if (distinct.collect(column, rows)) {
        // Edges halfway between distinct values, as scikit-learn places its thresholds.
        const std::vector<float>& values = distinct.sorted();
        for (size_t k = 0; k + 1 < values.size(); ++k)
            edges.push_back(values[k] + (values[k + 1] - values[k]) / 2);
        edges.push_back(std::numeric_limits<float>::infinity());
        if (binned)
            for (int64_t i = 0; i < rows; ++i)
                binned[i] = std::isnan(column[i]) ? uint8_t(edges.size() - 1)
                                                  : distinct.binOf(column[i]);
        return edges;
    }
    std::vector<float> sorted;
    for (int64_t i = 0; i < rows; ++i)
        if (!std::isnan(column[i]))
            sorted.push_back(column[i]);
    std::sort(sorted.begin(), sorted.end());
    for (int k = 1; k < MaxBins; ++k) {
        const float q = sorted[size_t(double(k) / MaxBins * double(sorted.size() - 1))];
        if (edges.empty() || q > edges.back())
            edges.push_back(q);
    }
    edges.push_back(std::numeric_limits<float>::infinity());
    if (binned)
        for (int64_t i = 0; i < rows; ++i)
            binned[i] = std::isnan(column[i])
                    ? uint8_t(edges.size() - 1)
                    : uint8_t(std::lower_bound(edges.begin(), edges.end(), column[i])
                              - edges.begin());
    return edges;
}

// Runs body(f) for every feature, spread over `threads` threads.
template <typename Body> void forEachFeature(int64_t features, int threads, const Body& body)
{
    threads = std::max(1, std::min<int>(threads, int(features)));
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (int64_t f = t; f < features; f += threads)
                body(f);
        });
    for (int64_t f = 0; f < features; f += threads)
        body(f);
    for (auto& t : pool)
        t.join();
}

} // namespace

FeatureBins FeatureBins::fit(const data::Dataset& data, int threads, BinnedColumns* binned)
{
    const std::vector<float> columns = columnsOf(data);
    FeatureBins bins;
    bins.m_edges.resize(size_t(data.cols));
    if (binned) {
        binned->rows = data.rows;
        binned->cols = data.cols;
        binned->values.resize(size_t(data.rows * data.cols));
    }
    forEachFeature(data.cols, threads, [&](int64_t f) {
        bins.m_edges[size_t(f)] =
                binColumn(columns.data() + f * data.rows, data.rows,
                          binned ? binned->values.data() + f * data.rows : nullptr);
    });
    return bins;
}

uint8_t FeatureBins::binOf(int64_t feature, float value) const
{
    const std::vector<float>& edges = m_edges[size_t(feature)];
    if (std::isnan(value))
        return uint8_t(edges.size() - 1); // missing values go with the largest
    return uint8_t(std::lower_bound(edges.begin(), edges.end(), value) - edges.begin());
}

BinnedColumns FeatureBins::apply(const data::Dataset& data, int threads) const
{
    const std::vector<float> columns = columnsOf(data);
    BinnedColumns out;
    out.rows = data.rows;
    out.cols = data.cols;
    out.values.resize(size_t(data.rows * data.cols));
    forEachFeature(data.cols, threads, [&](int64_t f) {
        const float* column = columns.data() + f * data.rows;
        uint8_t* binned = out.values.data() + f * data.rows;
        const std::vector<float>& edges = m_edges[size_t(f)];
        if (edges.size() == 1) {
            std::fill(binned, binned + data.rows, uint8_t(0));
            return;
        }
        for (int64_t i = 0; i < data.rows; ++i) {
            const float v = column[i];
            binned[i] = std::isnan(v)
                    ? uint8_t(edges.size() - 1)
                    : uint8_t(std::lower_bound(edges.begin(), edges.end(), v) - edges.begin());
        }
    });
    return out;
}

} // namespace ts::forest
