#include "tensor/cpu/thread_pool.h"

#include <algorithm>

namespace ts::tensor {

namespace {

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
    }
    m_wake.notify_all();
    for (auto& worker : m_workers)
        worker.join();
}

void ThreadPool::parallelFor(int64_t count, int64_t minPerThread,
                             const std::function<void(int64_t, int64_t)>& body)
{
    const int chunks = int(std::min<int64_t>(threads(), count / std::max<int64_t>(1, minPerThread)));
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
        m_pending = chunks - 1;
        ++m_generation;
    }
    m_wake.notify_all();
    const auto [begin, end] = chunk(count, chunks, 0);
    body(begin, end);
    std::unique_lock lock(m_mutex);
    m_done.wait(lock, [this] { return m_pending == 0; });
    m_body = nullptr;
}

void ThreadPool::work(int index)
{
    uint64_t seen = 0;
    for (;;) {
        std::unique_lock lock(m_mutex);
        m_wake.wait(lock, [&] { return m_stop || m_generation != seen; });
        if (m_stop)
            return;
        seen = m_generation;
        if (index >= m_chunks)
            continue; // this call needs fewer threads
        const auto* body = m_body;
        const auto [begin, end] = chunk(m_count, m_chunks, index);
        lock.unlock();
        (*body)(begin, end);
        lock.lock();
        if (--m_pending == 0)
            m_done.notify_one();
    }
}

} // namespace ts::tensor
