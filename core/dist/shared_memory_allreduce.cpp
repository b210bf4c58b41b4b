#include "dist/shared_memory_allreduce.h"

#include "dist/data_plane.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <new>
#include <string>
#include <vector>

namespace ts::dist {

using common::Error;
using common::ErrorKind;
using common::Result;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int MaxRanks = 64; // per machine: the arrival counters live in the header
constexpr std::chrono::microseconds SpinFor { 500 };

long futex(std::atomic<uint32_t>* word, int op, uint32_t value, const timespec* timeout)
{
    // Not FUTEX_PRIVATE: the word is shared between processes.
    return syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), op, value, timeout, nullptr, 0);
}

} // namespace

struct SharedMemoryAllReduce::Segment
{
    std::atomic<uint32_t> count;              // ranks arrived at the current barrier
    std::atomic<uint32_t> generation;         // barriers completed
    std::atomic<uint64_t> arrivals[MaxRanks]; // barriers each rank has reached, for errors
    alignas(64) float data[1];                // ranks slots, then the result area
};

static_assert(std::atomic<uint32_t>::is_always_lock_free
                      && std::atomic<uint64_t>::is_always_lock_free,
              "the barrier's atomics must work between processes");

common::Expected<std::unique_ptr<SharedMemoryAllReduce>>
SharedMemoryAllReduce::join(DataPlane& plane, size_t capacity, std::chrono::milliseconds timeout)
{
    const int ranks = plane.worldSize();
    if (ranks < 2 || ranks > MaxRanks || plane.peersOnThisMachine() != ranks - 1 || capacity == 0)
        return std::unique_ptr<SharedMemoryAllReduce>();
    const size_t bytes = offsetof(Segment, data) + size_t(ranks + 1) * capacity * sizeof(float);
    std::string name;
    int fd = -1;
    if (plane.rank() == 0) {
        unsigned char random[12];
        randombytes_buf(random, sizeof random);
        char hex[2 * sizeof random + 1];
        sodium_bin2hex(hex, sizeof hex, random, sizeof random);
        name = std::string("/trainstudio-") + hex;
        fd = shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
        // The whole size reserved now: a /dev/shm too small for it (a container's 64 MB) is a
        // fallback to the ring here, not a SIGBUS in the middle of training.
        if (fd >= 0 && posix_fallocate(fd, 0, off_t(bytes)) != 0) {
            close(fd);
            shm_unlink(name.c_str());
            fd = -1;
        }
        if (fd < 0)
            name.clear(); // no segment: every rank goes on with the ring
        for (int peer = 1; peer < ranks; ++peer)
            if (Result told = plane.sendBytes(peer, "shm-name", name); !told) {
                if (fd >= 0) {
                    close(fd);
                    shm_unlink(name.c_str());
                }
                return std::move(told).error();
            }
        if (fd < 0)
            return std::unique_ptr<SharedMemoryAllReduce>();
    } else {
        auto received = plane.receiveBytes(0, "shm-name", timeout);
        TS_TRY(received);
        name = std::move(*received);
        if (name.empty())
            return std::unique_ptr<SharedMemoryAllReduce>(); // rank 0 could not make one
        fd = shm_open(name.c_str(), O_RDWR | O_CLOEXEC, 0);
        if (fd < 0)
            return Error(ErrorKind::Io,
                         "shared memory " + name + " of rank 0: " + std::strerror(errno));
    }
    void* mapped = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    const int mapError = errno;
    close(fd);
    if (mapped == MAP_FAILED) {
        if (plane.rank() == 0)
            shm_unlink(name.c_str());
        return Error(ErrorKind::Io, "shared memory " + name + ": " + std::strerror(mapError));
    }
    // A fresh segment reads as zeros: counters at 0, which is where they start.
    auto group = std::unique_ptr<SharedMemoryAllReduce>(new SharedMemoryAllReduce(
            plane.rank(), ranks, capacity, timeout, static_cast<Segment*>(mapped), bytes));
    const Result joined = group->barrier(); // all have mapped it
    if (plane.rank() == 0)
        shm_unlink(name.c_str());
    TS_TRY(joined);
    return group;
}

SharedMemoryAllReduce::SharedMemoryAllReduce(int rank, int ranks, size_t capacity,
                                             std::chrono::milliseconds timeout, Segment* segment,
                                             size_t bytes)
    : m_rank(rank)
    , m_ranks(ranks)
    , m_capacity(capacity)
    , m_timeout(timeout)
    , m_segment(segment)
    , m_bytes(bytes)
{}

SharedMemoryAllReduce::~SharedMemoryAllReduce()
{
    munmap(m_segment, m_bytes);
}

Result SharedMemoryAllReduce::barrier()
{
    Segment& s = *m_segment;
    const uint32_t generation = s.generation.load(std::memory_order_acquire);
    s.arrivals[m_rank].store(++m_arrivals, std::memory_order_relaxed);
    if (s.count.fetch_add(1, std::memory_order_acq_rel) + 1 == uint32_t(m_ranks)) {
        s.count.store(0, std::memory_order_relaxed);
        s.generation.fetch_add(1, std::memory_order_acq_rel);
        futex(&s.generation, FUTEX_WAKE, INT32_MAX, nullptr);
        return {};
    }
    // Spinning catches a partner on another core: a futex sleep and wake-up costs about as much
    // as a whole small step. After SpinFor it sleeps, so ranks that share a core still progress.
    const auto spinUntil = Clock::now() + SpinFor;
    for (int spin = 1;; ++spin) {
        if (s.generation.load(std::memory_order_acquire) != generation)
            return {};
        __builtin_ia32_pause();
        if (spin % 256 == 0 && Clock::now() > spinUntil)
            break;
    }
    const auto deadline = Clock::now() + m_timeout;
    while (s.generation.load(std::memory_order_acquire) == generation) {
        const auto left = deadline - Clock::now();
        if (left <= Clock::duration::zero()) {
            std::string missing;
            for (int r = 0; r < m_ranks; ++r)
                if (s.arrivals[r].load(std::memory_order_relaxed) < m_arrivals)
                    missing += (missing.empty() ? "" : ", ") + std::to_string(r);
            return Error(ErrorKind::Io,
                         "rank " + std::to_string(m_rank) + ": rank(s) " + missing
                                 + " did not reach the shared-memory all-reduce within "
                                 + std::to_string(m_timeout.count()) + " ms");
        }
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::min<Clock::duration>(left, std::chrono::milliseconds(100)));
        const timespec wait { time_t(ns.count() / 1000000000), long(ns.count() % 1000000000) };
        futex(&s.generation, FUTEX_WAIT, generation, &wait); // returns at once if it moved on
    }
    return {};
}

float* SharedMemoryAllReduce::slot()
{
    return m_segment->data + size_t(m_rank) * m_capacity;
}

const float* SharedMemoryAllReduce::result() const
{
    return m_segment->data + size_t(m_ranks) * m_capacity;
}

Result SharedMemoryAllReduce::reduce(size_t offset, size_t count)
{
    if (offset > m_capacity || count > m_capacity - offset)
        return Error(ErrorKind::Internal,
                     "shared-memory all-reduce of [" + std::to_string(offset) + ", "
                             + std::to_string(offset + count) + ") beyond its "
                             + std::to_string(m_capacity) + " values");
    TS_TRY(barrier()); // every slot written
    const float* slots = m_segment->data;
    float* sums = m_segment->data + size_t(m_ranks) * m_capacity;
    const size_t from = offset + count * size_t(m_rank) / size_t(m_ranks);
    const size_t to = offset + count * size_t(m_rank + 1) / size_t(m_ranks);
    // ((slot 0 + slot 1) + slot 2) ..., one contiguous pass per slot (vectorised).
    std::memcpy(sums + from, slots + from, (to - from) * sizeof(float));
    for (int r = 1; r < m_ranks; ++r) {
        const float* other = slots + size_t(r) * m_capacity;
        for (size_t j = from; j < to; ++j)
            sums[j] += other[j];
    }
    return barrier(); // every part summed
}

Result SharedMemoryAllReduce::allReduce(std::span<float> data)
{
    for (size_t begin = 0; begin < data.size(); begin += m_capacity) {
        const size_t n = std::min(m_capacity, data.size() - begin);
        std::memcpy(slot(), data.data() + begin, n * sizeof(float));
        TS_TRY(reduce(0, n));
        std::memcpy(data.data() + begin, result(), n * sizeof(float));
    }
    return {};
}

} // namespace ts::dist
