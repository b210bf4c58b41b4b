// SharedMemoryAllReduce: the all-reduce of ranks that all run on one machine, through a shared
// memory segment instead of sockets -- what NCCL does within a node, and what the ring over
// Unix sockets cannot match: no message copies through the kernel, no polling of sockets.
//
// Rank 0 creates the segment (shm_open, mode 0600, a random name), sends its name to the others
// over the data plane, and removes the name once all have mapped it (nothing is left in /dev/shm
// after a crash). When rank 0 cannot reserve the segment (a small /dev/shm), it says so and every
// rank falls back to the ring. The segment holds one slot per rank and a result area, each of
// `capacity` floats, and a barrier. A reduction of n floats (in pieces of at most `capacity`):
//   1. each rank copies its buffer into its slot;            barrier
//   2. rank r sums part r of the buffer over all slots, in rank order, into the result area;
//                                                            barrier
//   3. each rank copies the result back into its buffer.
// Every element is summed once, so all ranks hold the same bits; the next reduction's first
// barrier keeps a rank from overwriting the result while a slower one still copies it.
//
// The barrier is a counter and a generation in the segment: a waiting rank spins briefly, then
// sleeps on the generation (futex), so two ranks on two cores do not steal each other's time.
// A rank missing for `timeout` fails the call, naming the ranks that did not arrive.
//
// THREAD SAFETY: one call at a time per object; every rank calls with the same sizes, in the
// same order.
#pragma once

#include "common/result.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>

namespace ts::dist {

class DataPlane;

class SharedMemoryAllReduce
{
public:
    // A group of the ranks of `plane` when all of them run on this machine; null when some do
    // not, or when there is no room for the segment (they sum with the ring instead). `capacity`:
    // the floats a piece may hold (the largest gradient bucket); every rank must pass the same.
    static common::Expected<std::unique_ptr<SharedMemoryAllReduce>>
    join(DataPlane& plane, size_t capacity, std::chrono::milliseconds timeout);
    ~SharedMemoryAllReduce(); // unmaps the segment

    // Sums `data` over the ranks, in place (copied through the segment in pieces).
    common::Result allReduce(std::span<float> data);

    // Without the copies: a rank writes its values straight into its slot (capacity floats),
    // every rank calls reduce() for the same range, and then reads the sums from result(). The
    // next reduce() of a range waits (its first barrier) until every rank is done with the last
    // one's result there, so a caller may keep reading the result until it calls reduce() again.
    float* slot();
    const float* result() const;
    common::Result reduce(size_t offset, size_t count);

private:
    struct Segment;
    SharedMemoryAllReduce(int rank, int ranks, size_t capacity, std::chrono::milliseconds timeout,
                          Segment* segment, size_t bytes);
    common::Result barrier();

    int m_rank;
    int m_ranks;
    size_t m_capacity;
    std::chrono::milliseconds m_timeout;
    Segment* m_segment;
    size_t m_bytes;
    uint64_t m_arrivals = 0; // barriers this rank has reached
};

} // namespace ts::dist
