// ThreadPool: the CPU backend's own workers for the loops OpenBLAS does not run (im2col,
// col2im, pooling, activations, optimizer updates).
//
// parallelFor(count, body) cuts [0, count) into one contiguous chunk per thread and runs
// body(begin, end) on each, the calling thread taking the first chunk; it returns when every
// chunk is done. Workers sleep on a condition variable between calls (no spinning: on a small
// machine a spinning worker would steal the core OpenBLAS's threads need).
//
// THREAD SAFETY: one parallelFor at a time per pool (a backend is used by one thread).
#pragma once

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
    // items per thread run on the caller alone (waking workers costs microseconds).
    void parallelFor(int64_t count, int64_t minPerThread,
                     const std::function<void(int64_t begin, int64_t end)>& body);

private:
    void work(int index);

    std::vector<std::thread> m_workers;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::condition_variable m_done;
    const std::function<void(int64_t, int64_t)>* m_body = nullptr;
    int64_t m_count = 0;
    int m_chunks = 0;
    uint64_t m_generation = 0; // bumped per call, so a worker runs each call once
    int m_pending = 0;
    bool m_stop = false;
};

} // namespace ts::tensor
