#include "data/splits.h"

#include "common/assert.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <utility>

namespace ts::data {

namespace {

using common::Error;
using common::ErrorKind;

// Separate streams for splits and shards: with one seed for the whole run, the shard order must
// not repeat the split order, or rank r would always receive the same slice of the split.
constexpr uint64_t SplitStream = 0x73706c6974ull; // "split"
constexpr uint64_t ShardStream = 0x7368617264ull; // "shard"

// splitmix64's finalizer: neighbouring seeds (0, 1, 2, ...) give unrelated generator states.
uint64_t mixSeed(uint64_t seed, uint64_t stream)
{
    uint64_t z = seed + stream * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Our own Fisher-Yates rather than std::shuffle, whose algorithm differs between standard
// libraries: the permutation must be the same wherever the run is repeated.
void permute(std::vector<int64_t>& rows, uint64_t seed)
{
    std::mt19937_64 generator(seed);
    for (size_t i = rows.size(); i > 1; --i) {
        const size_t j = static_cast<size_t>(generator() % i);
        std::swap(rows[i - 1], rows[j]);
    }
}

std::vector<int64_t> iotaRows(int64_t count)
{
    std::vector<int64_t> rows(static_cast<size_t>(count));
    std::iota(rows.begin(), rows.end(), int64_t { 0 });
    return rows;
}

// floor(count * fraction), forgiving the last bits of rounding: 0.29 * 100 is 28.999999999999996
// in doubles, and the user meant 29 rows.
int64_t floorShare(int64_t count, double fraction)
{
    const double exact = static_cast<double>(count) * fraction;
    const auto rows = static_cast<int64_t>(std::floor(exact + 1e-9 * std::max(1.0, exact)));
    return std::clamp(rows, int64_t { 0 }, count);
}

// Appends `ordered` to the splits, cut at cumulative boundaries so each split is within one row
// of its exact share (the Rounding paragraph of splits.h).
void cut(const std::vector<int64_t>& ordered, const SplitSpec& spec, SplitIndices& out)
{
    const auto count = static_cast<int64_t>(ordered.size());
    const int64_t trainEnd = floorShare(count, spec.train);
    const int64_t validationEnd =
            std::max(trainEnd, floorShare(count, spec.train + spec.validation));
    const auto at = [&](int64_t i) { return ordered.begin() + static_cast<ptrdiff_t>(i); };
    out.train.insert(out.train.end(), at(0), at(trainEnd));
    out.validation.insert(out.validation.end(), at(trainEnd), at(validationEnd));
    out.test.insert(out.test.end(), at(validationEnd), at(count));
}

common::Result checkRatios(const SplitSpec& spec)
{
    const double sum = spec.train + spec.validation + spec.test;
    // Comparisons with NaN are false, so NaN ratios fail too.
    const bool valid = spec.train >= 0 && spec.validation >= 0 && spec.test >= 0
            && std::abs(sum - 1.0) <= 1e-9;
    if (valid)
        return {};
    std::ostringstream message;
    message << "split ratios must be >= 0 and sum to 1, but train " << spec.train << ", validation "
            << spec.validation << " and test " << spec.test << " sum to " << sum;
    return Error(ErrorKind::InvalidInput, message.str());
}

std::vector<int64_t> randomOrder(const Dataset& data, uint64_t seed)
{
    std::vector<int64_t> rows = iotaRows(data.rows);
    permute(rows, mixSeed(seed, SplitStream));
    return rows;
}

SplitIndices stratifiedSplit(const Dataset& data, const SplitSpec& spec)
{
    // A std::map visits the classes in ascending label order on every platform.
    std::map<int64_t, std::vector<int64_t>> rowsByClass;
    for (int64_t i = 0; i < data.rows; ++i)
        rowsByClass[static_cast<int64_t>(data.labels[static_cast<size_t>(i)])].push_back(i);
    SplitIndices split;
    for (auto& [label, rows] : rowsByClass) {
        // Each class has its own stream, so adding rows of one class leaves the others' cut alone.
        permute(rows, mixSeed(mixSeed(spec.seed, SplitStream), static_cast<uint64_t>(label)));
        cut(rows, spec, split);
    }
    return split;
}

std::vector<int64_t> timestampOrder(const Dataset& data, int64_t timeColumn)
{
    const std::vector<int64_t>& micros = data.timeColumns[size_t(timeColumn)].micros;
    // A missing time sorts last, as NaN does below.
    const auto earlier = [&](int64_t a, int64_t b) {
        const int64_t ta = micros[size_t(a)];
        const int64_t tb = micros[size_t(b)];
        return ta != TimeColumn::MissingTime && (tb == TimeColumn::MissingTime || ta < tb);
    };
    std::vector<int64_t> rows = iotaRows(data.rows);
    std::stable_sort(rows.begin(), rows.end(), earlier);
    return rows;
}

common::Expected<std::vector<int64_t>> timeOrder(const Dataset& data, int64_t timeColumn)
{
    if (timeColumn < 0 || timeColumn >= data.cols) {
        std::ostringstream message;
        message << "time column " << timeColumn << " is out of range: "
                << (data.origin.empty() ? std::string("the dataset") : data.origin);
        if (data.cols == 0)
            message << " has no feature columns to order by";
        else
            message << " has " << data.cols << " feature columns; choose an index from 0 to "
                    << data.cols - 1;
        return Error(ErrorKind::InvalidInput, message.str());
    }
    const auto time = [&](int64_t row) { return data.row(row)[timeColumn]; };
    // NaN (an unknown time) sorts last: a comparison with NaN would break the strict weak order
    // stable_sort needs, and unknown times are safer in the test split than in training.
    const auto earlier = [&](int64_t a, int64_t b) {
        const float ta = time(a);
        const float tb = time(b);
        return !std::isnan(ta) && (std::isnan(tb) || ta < tb);
    };
    std::vector<int64_t> rows = iotaRows(data.rows);
    std::stable_sort(rows.begin(), rows.end(), earlier);
    return rows;
}

} // namespace

common::Expected<SplitIndices> splitRows(const Dataset& data, const SplitSpec& spec)
{
    TS_TRY(checkRatios(spec));
    SplitIndices split;
    switch (spec.method) {
    case SplitSpec::Method::Random:
        cut(randomOrder(data, spec.seed), spec, split);
        break;
    case SplitSpec::Method::Stratified:
        split = stratifiedSplit(data, spec);
        break;
    case SplitSpec::Method::ByTime: {
        if (spec.timestampColumn >= 0) {
            TS_ASSERT(size_t(spec.timestampColumn) < data.timeColumns.size());
            cut(timestampOrder(data, spec.timestampColumn), spec, split);
            break;
        }
        auto ordered = timeOrder(data, spec.timeColumn);
        TS_TRY(ordered);
        cut(*ordered, spec, split);
        break;
    }
    }
    for (auto* rows : { &split.train, &split.validation, &split.test })
        std::sort(rows->begin(), rows->end());
    return split;
}

Dataset selectRows(const Dataset& data, const std::vector<int64_t>& rows)
{
    Dataset selected;
    selected.rows = static_cast<int64_t>(rows.size());
    selected.cols = data.cols;
    selected.classCount = data.classCount;
    selected.sampleShape = data.sampleShape;
    selected.columnNames = data.columnNames;
    selected.columnTypes = data.columnTypes;
    selected.classNames = data.classNames;
    selected.origin = data.origin + " [rows]";
    selected.features.resize(rows.size() * static_cast<size_t>(data.cols));
    selected.labels.resize(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        const int64_t source = rows[i];
        TS_ASSERT(source >= 0 && source < data.rows);
        if (data.cols > 0)
            std::memcpy(selected.features.data() + i * static_cast<size_t>(data.cols),
                        data.row(source), static_cast<size_t>(data.cols) * sizeof(float));
        selected.labels[i] = data.labels[static_cast<size_t>(source)];
    }
    for (const TimeColumn& column : data.timeColumns) {
        TimeColumn& times = selected.timeColumns.emplace_back();
        times.name = column.name;
        times.micros.reserve(rows.size());
        for (const int64_t source : rows)
            times.micros.push_back(column.micros[static_cast<size_t>(source)]);
    }
    return selected;
}

std::vector<int64_t> shardRows(int64_t rowCount, int rank, int ranks, uint64_t seed)
{
    TS_ASSERT(ranks >= 1);
    TS_ASSERT(rank >= 0 && rank < ranks);
    TS_ASSERT(rowCount >= 0);
    std::vector<int64_t> order = iotaRows(rowCount);
    permute(order, mixSeed(seed, ShardStream));
    // Round-robin over the permutation: shard sizes differ by at most one.
    std::vector<int64_t> shard;
    shard.reserve(static_cast<size_t>(rowCount / ranks + 1));
    for (int64_t i = rank; i < rowCount; i += ranks)
        shard.push_back(order[static_cast<size_t>(i)]);
    std::sort(shard.begin(), shard.end());
    return shard;
}

} // namespace ts::data
