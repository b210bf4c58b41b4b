// Dataset splits and data-parallel shards: which rows a run trains, validates and tests on, and
// which rows each rank of a distributed run reads.
//
// Both are pure functions of their inputs and a seed, so a run can be repeated (or resumed, or
// compared with another run) and sees exactly the same rows. The shuffles are our own Fisher-Yates
// on std::mt19937_64 (as in batcher.cpp), never std::shuffle, whose algorithm differs between
// standard libraries: a split made on Linux is the same split on Windows.
//
// @code
//     SplitSpec spec;                       // 80 % train, 20 % test, seed 0
//     spec.method = SplitSpec::Method::Stratified;
//     auto split = splitRows(dataset, spec);
//     if (!split)
//         return std::move(split.error()).wrap("split");
//     const Dataset train = selectRows(dataset, split->train);
//
//     // Rank 2 of 4 reads only its quarter of the training rows; every rank computes the same
//     // assignment without a central loader.
//     const std::vector<int64_t> mine = shardRows(train.rows, 2, 4, spec.seed);
// @endcode
//
// Rounding. A split of n rows cuts the (shuffled) row order at cumulative boundaries:
// train gets floor(n * train) rows, validation gets floor(n * (train + validation)) minus that,
// test gets the rest. So every row lands in exactly one split, and each split is within one row
// of its exact share n * ratio (with validation 0 this is "train gets the floor, test the rest").
//
// Order. Every split (and every shard) lists its row indices in ascending order, whatever the
// method: membership is what a split decides; the batcher shuffles the training rows per epoch
// anyway, and sorted indices are easy to compare, store and read sequentially from a file.
//
// THREAD SAFETY: all functions are reentrant; they read their arguments and share no state.
#pragma once

#include "common/result.h" // for Expected
#include "data/dataset.h"  // for Dataset

#include <cstdint>
#include <vector>

namespace ts::data {

struct SplitSpec
{
    // Fractions of the rows; each >= 0, together 1 (within 1e-9).
    double train = 0.8;
    double validation = 0.0;
    double test = 0.2;

    enum class Method {
        Random,     // a seeded permutation of all rows, then cut by the ratios
        Stratified, // the same per class, so every split keeps the label balance
        ByTime,     // rows ordered by a time feature: the earliest train, the latest test
    };
    Method method = Method::Random;
    int64_t timeColumn = -1; // feature index of the time for ByTime; ignored otherwise
    uint64_t seed = 0;       // ignored by ByTime, which does not shuffle
    // ByTime on a time column (Dataset::timeColumns) instead: its index there, else -1.
    int64_t timestampColumn = -1;
};

struct SplitIndices
{
    // Row indices into the split dataset, each sorted ascending; together a partition of
    // [0, rows).
    std::vector<int64_t> train;
    std::vector<int64_t> validation;
    std::vector<int64_t> test;
};

// Splits the rows of `data` by `spec`.
// Random: the rows are permuted with the seed, then cut (see Rounding above).
// Stratified: each class's rows (grouped by label) are permuted and cut on their own, so each
//   split holds every class's share within one row.
// ByTime: rows are ordered by feature `timeColumn` (or time column `timestampColumn`) ascending,
// ties kept in row order (NaN times
//   count as the latest), then cut without shuffling, so no training row lies in the future of a
//   test row.
// Fails with InvalidInput when a ratio is negative or not a number, when the ratios do not sum to
// 1, or (ByTime) when timeColumn is not a feature index of `data`.
common::Expected<SplitIndices> splitRows(const Dataset& data, const SplitSpec& spec);

// A new Dataset holding `rows` of `data` in the given order: features, labels and time columns
// copied, the same cols, classCount, sampleShape, column names and types and class names, origin
// marked with " [rows]". Every index must lie in [0, data.rows) (asserted: indices come from
// splitRows or shardRows, not from users).
Dataset selectRows(const Dataset& data, const std::vector<int64_t>& rows);

// The rows of [0, rowCount) that rank `rank` of `ranks` reads, sorted ascending. The rows are
// permuted with `seed` and dealt out round-robin, so the shards are disjoint, cover every row,
// differ in size by at most one, are not contiguous blocks of a sorted file, and are the same on
// every machine. Requires ranks >= 1 and 0 <= rank < ranks (asserted: a programming error).
std::vector<int64_t> shardRows(int64_t rowCount, int rank, int ranks, uint64_t seed);

} // namespace ts::data
