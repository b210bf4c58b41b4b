// RowSelection: which rows of a source a reader keeps, decided row by row while it streams, so a
// file (or table) larger than memory can be sampled, and a rank of a data-parallel run reads only
// its shard, without ever holding the rest.
//
//   shard    rank r of n keeps row i when hash(shardSeed, i) mod n == r: the shards are disjoint,
//   cover
//            every row, are interleaved across the file, and every machine computes the same
//            ones without a central loader. Sizes differ by chance (a binomial spread), the price
//            of not counting the rows first. (A PostgreSQL source hands its shard to the
//            server instead: data/postgres_reader.h.)
//   fraction keeps row i when a second hash of (seed, i) falls below the fraction: a Bernoulli
//            sample, streaming and independent of the shard.
//   rows     keeps a uniform sample of exactly that many rows (fewer when the source has fewer)
//            by reservoir sampling (Vitter's algorithm R on a seeded mt19937_64); memory holds the
//            sample only. The kept rows come back in source order.
// The filters apply in that order: the sample is drawn from the rank's shard.
//
// @code
//     RowSelector selector(selection);
//     for (int64_t i = 0; source.next(row); ++i) {
//         const int64_t slot = selector.offer(i);
//         if (slot >= 0)
//             builder.setRow(slot, row); // slot == rows kept so far appends, else replaces
//     }
//     builder.reorder(selector.sourceOrder());
// @endcode
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ts::data {

struct RowSelection
{
    int shardRank = 0;
    int shardCount = 1;     // >= 1; 1 = no sharding
    double fraction = 1.0;  // in (0, 1]
    int64_t sampleRows = 0; // > 0: reservoir sample of that many rows; 0 = every row
    uint64_t seed = 0;      // of the sample
    uint64_t shardSeed = 0; // of the shards: the same on every rank

    bool keepsEverything() const { return shardCount == 1 && fraction >= 1.0 && sampleRows == 0; }
    // "shard 2 of 4, 10 % sample", for messages and run parameters; "" when keepsEverything.
    std::string describe() const;
};

class RowSelector
{
public:
    explicit RowSelector(const RowSelection& selection);

    // Offers source row `row` (0-based, every row offered once, in order). Returns the slot the
    // row goes to (the next free one, or one of the reservoir to replace), or -1 to skip it.
    int64_t offer(int64_t row);

    // Rows kept so far.
    int64_t kept() const { return m_kept; }

    // Reservoir sampling only: slot order -> source order. The permutation p such that slot p[k]
    // holds the k-th kept row in source order; identity (empty) when no reservoir was used.
    std::vector<int64_t> sourceOrder() const;

private:
    RowSelection m_selection;
    int64_t m_kept = 0;
    int64_t m_candidates = 0;        // rows that passed shard and fraction (reservoir's n)
    std::vector<int64_t> m_slotRows; // reservoir: the source row in each slot
    std::mt19937_64 m_random;
};

} // namespace ts::data
