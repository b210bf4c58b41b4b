#include "dist/ring_allreduce.h"

#include <algorithm>

namespace ts::dist {

namespace {

// Chunk c of a buffer of n values cut into `parts`: [begin, end).
std::pair<size_t, size_t> chunk(size_t n, int parts, int c)
{
    const size_t base = n / size_t(parts), extra = n % size_t(parts);
    const size_t begin = size_t(c) * base + std::min(size_t(c), extra);
    return { begin, begin + base + (size_t(c) < extra ? 1 : 0) };
}

common::Result sizeMatches(std::span<const float> got, size_t expected, int peer,
                           const std::string& name)
{
    if (got.size() == expected)
        return {};
    return common::Error(common::ErrorKind::InvalidInput,
                         name + ": rank " + std::to_string(peer) + " sent "
                                 + std::to_string(got.size()) + " values, "
                                 + std::to_string(expected)
                                 + " expected (the ranks reduce buffers of different sizes)");
}

common::Result directAllReduce(DataPlane& plane, std::span<float> data, const std::string& name,
                               std::chrono::milliseconds timeout)
{
    const int n = plane.worldSize(), me = plane.rank();
    for (int peer = 0; peer < n; ++peer)
        if (peer != me)
            TS_TRY(plane.send(peer, name, data));
    std::vector<std::vector<float>> buffers(static_cast<size_t>(n));
    for (int peer = 0; peer < n; ++peer) {
        if (peer == me) {
            buffers[size_t(peer)].assign(data.begin(), data.end());
            continue;
        }
        auto got = plane.receive(peer, name, timeout);
        TS_TRY(got);
        TS_TRY(sizeMatches(got->values, data.size(), peer, name));
        buffers[size_t(peer)].assign(got->values.begin(), got->values.end());
    }
    // Rank order on every rank: the same additions, the same rounding, the same result.
    std::copy(buffers[0].begin(), buffers[0].end(), data.begin());
    for (int peer = 1; peer < n; ++peer)
        for (size_t i = 0; i < data.size(); ++i)
            data[i] += buffers[size_t(peer)][i];
    return {};
}

} // namespace

common::Result ringAllReduce(DataPlane& plane, std::span<float> data, const std::string& name,
                             std::chrono::milliseconds timeout)
{
    const int n = plane.worldSize(), me = plane.rank();
    if (n == 1)
        return {};
    if (data.size() * sizeof(float) < SmallMessageBytes)
        return directAllReduce(plane, data, name + ":direct", timeout);
    const int next = (me + 1) % n, previous = (me + n - 1) % n;
    const auto modulo = [n](int c) { return ((c % n) + n) % n; };
    for (int step = 0; step < n - 1; ++step) { // reduce-scatter
        const auto [sendBegin, sendEnd] = chunk(data.size(), n, modulo(me - step));
        const std::string tag = name + ":rs" + std::to_string(step);
        TS_TRY(plane.send(next, tag, data.subspan(sendBegin, sendEnd - sendBegin)));
        const auto [begin, end] = chunk(data.size(), n, modulo(me - step - 1));
        auto got = plane.receive(previous, tag, timeout);
        TS_TRY(got);
        TS_TRY(sizeMatches(got->values, end - begin, previous, name));
        for (size_t i = begin; i < end; ++i)
            data[i] += got->values[i - begin];
    }
    for (int step = 0; step < n - 1; ++step) { // all-gather
        const auto [sendBegin, sendEnd] = chunk(data.size(), n, modulo(me + 1 - step));
        const std::string tag = name + ":ag" + std::to_string(step);
        TS_TRY(plane.send(next, tag, data.subspan(sendBegin, sendEnd - sendBegin)));
        const auto [begin, end] = chunk(data.size(), n, modulo(me - step));
        auto got = plane.receive(previous, tag, timeout);
        TS_TRY(got);
        TS_TRY(sizeMatches(got->values, end - begin, previous, name));
        std::copy(got->values.begin(), got->values.end(), data.begin() + std::ptrdiff_t(begin));
    }
    return {};
}

} // namespace ts::dist
