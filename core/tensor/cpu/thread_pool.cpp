#include "tensor/cpu/thread_pool.h"

#include <immintrin.h> // for _mm_pause

#include <algorithm>

namespace ts::tensor {

namespace {

// About 100 microseconds of polling: longer than the gap between two ops of a training step,
// far shorter than anything a user would notice as a busy core.
constexpr int SpinIterations = 4000;

std::pair<int64_t, int64_t> chunk(int64_t count, int chunks, int index)
{
    const int64_t size = count / chunks, extra = count % chunks;
    const int64_t begin = index * size + std::min<int64_t>(index, extra);
    return { begin, begin + size + (index < extra ? 1 : 0) };
}

} // namespace

ThreadPool::ThreadPool(int threads)
{
    for (int i = 1; i < std::max(1, threads); ++i)
        m_workers.emplace_back([this, i] { work(i); });
}

ThreadPool::~ThreadPool()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
        m_generation.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_all();
    for (auto& worker : m_workers)
        worker.join();
}

void ThreadPool::parallelFor(int64_t count, int64_t minPerThread,
                             const std::function<void(int64_t, int64_t)>& body)
{
    const int chunks =
            int(std::min<int64_t>(threads(), count / std::max<int64_t>(1, minPerThread)));
    if (chunks <= 1) {
        if (count > 0)
            body(0, count);
        return;
    }
    {
        std::lock_guard lock(m_mutex);
        m_body = &body;
        m_count = count;
        m_chunks = chunks;
        m_pending.store(chunks - 1, std::memory_order_relaxed);
        m_generation.fetch_add(1, std::memory_order_release);
    }
    m_wake.notify_all(); // cheap when every worker is still spinning
    const auto [begin, end] = chunk(count, chunks, 0);
    body(begin, end);
    for (int spins = 0; m_pending.load(std::memory_order_acquire) != 0; ++spins) {
        if (spins < SpinIterations)
            _mm_pause();
        else
            std::this_thread::yield();
    }
}

// Spins, then sleeps, until the generation moves past `seen`; false when the pool stops.
bool ThreadPool::waitForJob(uint64_t seen)
{
    for (int spins = 0; spins < SpinIterations; ++spins) {
        if (m_generation.load(std::memory_order_acquire) != seen)
            return !m_stop.load();
        _mm_pause();
    }
    std::unique_lock lock(m_mutex);
    m_wake.wait(lock, [&] { return m_generation.load(std::memory_order_acquire) != seen; });
    return !m_stop.load();
}

void ThreadPool::work(int index)
{
    uint64_t seen = 0;
    while (waitForJob(seen)) {
        seen = m_generation.load(std::memory_order_acquire);
        if (index >= m_chunks)
            continue; // this call needs fewer threads
        const auto [begin, end] = chunk(m_count, m_chunks, index);
        (*m_body)(begin, end);
        m_pending.fetch_sub(1, std::memory_order_release);
    }
}

} // namespace ts::tensor
