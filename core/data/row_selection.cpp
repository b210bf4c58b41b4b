#include "data/row_selection.h"

#include "common/assert.h"

#include <algorithm>
#include <numeric>

namespace ts::data {
namespace {

// splitmix64's finaliser: a cheap, well-mixed 64-bit hash of a row number.
uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// Independent hashes of one row for the shard and the fraction filters.
uint64_t rowHash(uint64_t seed, int64_t row, uint64_t purpose)
{
    return mix(mix(seed ^ purpose) ^ uint64_t(row));
}

std::string percent(double fraction)
{
    std::string text = std::to_string(fraction * 100);
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.')
        text.pop_back();
    return text + " %";
}

} // namespace

std::string RowSelection::describe() const
{
    std::string text;
    auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
    if (shardCount > 1)
        add("shard " + std::to_string(shardRank) + " of " + std::to_string(shardCount));
    if (fraction < 1.0)
        add(percent(fraction) + " sample");
    if (sampleRows > 0)
        add("sample of " + std::to_string(sampleRows) + " rows");
    return text;
}

RowSelector::RowSelector(const RowSelection& selection)
    : m_selection(selection)
    , m_random(selection.seed ^ 0x5EEDu)
{
    TS_ASSERT(selection.shardCount >= 1 && selection.shardRank >= 0
              && selection.shardRank < selection.shardCount);
    TS_ASSERT(selection.fraction > 0 && selection.fraction <= 1.0 && selection.sampleRows >= 0);
}

int64_t RowSelector::offer(int64_t row)
{
    const RowSelection& s = m_selection;
    if (s.shardCount > 1
        && rowHash(s.shardSeed, row, 1) % uint64_t(s.shardCount) != uint64_t(s.shardRank))
        return -1;
    if (s.fraction < 1.0) {
        // The top 53 bits as a uniform double in [0, 1).
        const double u = double(rowHash(s.seed, row, 2) >> 11) * 0x1.0p-53;
        if (u >= s.fraction)
            return -1;
    }
    const int64_t candidate = m_candidates++;
    if (s.sampleRows == 0)
        return m_kept++;
    if (candidate < s.sampleRows) {
        m_slotRows.push_back(row);
        return m_kept++;
    }
    // Algorithm R: candidate n (0-based) replaces a random slot with probability k / (n + 1).
    const int64_t slot = int64_t(m_random() % uint64_t(candidate + 1));
    if (slot >= s.sampleRows)
        return -1;
    m_slotRows[size_t(slot)] = row;
    return slot;
}

std::vector<int64_t> RowSelector::sourceOrder() const
{
    if (m_selection.sampleRows == 0)
        return {};
    std::vector<int64_t> order(m_slotRows.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](int64_t a, int64_t b) { return m_slotRows[size_t(a)] < m_slotRows[size_t(b)]; });
    return order;
}

} // namespace ts::data
