// ThreadPool: the CPU backend's workers. Every parallel loop of the backend runs on it, sgemm
// included (one OpenBLAS call per block of the output), so only one set of threads competes for
// the cores.
//
// parallelFor(count, minPerThread, body) cuts [0, count) into one contiguous chunk per thread
// and runs body(begin, end) on each, the calling thread taking the first chunk; it returns when
// every chunk is done. Training calls it for every op of every step, often for tens of
// microseconds of work, so hand-offs must be cheaper than a sleep and wake-up: workers spin
// briefly on an atomic generation counter after each job before they block on a condition
// variable, and the caller spins while the other chunks finish.
//
// THREAD SAFETY: one parallelFor at a time per pool (a backend is used by one thread).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ts::tensor {

class ThreadPool
{
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int threads() const { return int(m_workers.size()) + 1; }

    // Runs body(begin, end) over [0, count) in parallel; loops shorter than `minPerThread`
    // items per thread run on the caller alone.
    void parallelFor(int64_t count, int64_t minPerThread,
                     const std::function<void(int64_t begin, int64_t end)>& body);

private:
    void work(int index);
    bool waitForJob(uint64_t seen);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    // The job, written before m_generation is bumped (release) and read after (acquire).
    const std::function<void(int64_t, int64_t)>* m_body = nullptr;
    int64_t m_count = 0;
    int m_chunks = 0;
    std::atomic<uint64_t> m_generation { 0 };
    std::atomic<int> m_pending { 0 };
    std::atomic<bool> m_stop { false };
};

} // namespace ts::tensor
