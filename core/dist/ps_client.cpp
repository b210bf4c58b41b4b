#include "dist/ps_client.h"

#include "dist/data_plane.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <sstream>

namespace ts::dist {

using common::Error;
using common::ErrorKind;
using common::Result;

common::Expected<std::vector<KeyRange>> partitionKeys(const std::vector<size_t>& sizes,
                                                      const std::vector<int>& servers)
{
    if (servers.empty() || servers.size() > sizes.size())
        return Error(ErrorKind::InvalidInput,
                     std::to_string(servers.size()) + " parameter servers for a model of "
                             + std::to_string(sizes.size())
                             + " parameter tensors: each server needs at least one");
    const size_t total = std::accumulate(sizes.begin(), sizes.end(), size_t { 0 });
    std::vector<KeyRange> ranges;
    size_t tensor = 0, offset = 0;
    for (size_t s = 0; s < servers.size(); ++s) {
        KeyRange range { servers[s], offset, 0 };
        const size_t serversLeft = servers.size() - s - 1;
        // Take tensors until this server's share of the keys is reached, leaving one tensor for
        // each server after it.
        const size_t target = total * (s + 1) / servers.size();
        do {
            range.count += sizes[tensor];
            offset += sizes[tensor];
            ++tensor;
        } while (tensor + serversLeft < sizes.size() && offset + sizes[tensor] / 2 <= target);
        if (serversLeft == 0)
            for (; tensor < sizes.size(); ++tensor) {
                range.count += sizes[tensor];
                offset += sizes[tensor];
            }
        ranges.push_back(range);
    }
    return ranges;
}

PsClient::PsClient(DataPlane& plane, std::vector<KeyRange> ranges,
                   std::chrono::milliseconds timeout)
    : m_plane(plane)
    , m_ranges(std::move(ranges))
    , m_timeout(timeout)
{}

Result PsClient::push(int64_t step, int64_t rows, std::span<const float> gradient)
{
    const std::string tag = "push " + std::to_string(step) + " " + std::to_string(rows);
    for (const KeyRange& range : m_ranges)
        TS_TRY(m_plane.send(range.server, tag, gradient.subspan(range.offset, range.count)));
    return {};
}

PsClient::Ticket PsClient::pull(int64_t step)
{
    m_pullSent = {};
    const std::string tag = "pull " + std::to_string(step);
    for (const KeyRange& range : m_ranges)
        if (Result sent = m_plane.send(range.server, tag, {}); !sent && m_pullSent)
            m_pullSent = std::move(sent);
    return Ticket { step };
}

common::Expected<int64_t> PsClient::wait(const Ticket& ticket, std::span<float> weights)
{
    TS_TRY(m_pullSent);
    // Replies carry their version in the tag, "weights <step> <version>"; they come in any order
    // of the servers. Nothing else arrives on a worker's plane.
    const std::string prefix = "weights " + std::to_string(ticket.step) + " ";
    std::vector<bool> received(m_ranges.size(), false);
    size_t missing = m_ranges.size();
    int64_t oldest = INT64_MAX;
    const auto deadline = std::chrono::steady_clock::now() + m_timeout;
    while (missing > 0) {
        if (std::chrono::steady_clock::now() > deadline) {
            std::string servers;
            for (size_t i = 0; i < m_ranges.size(); ++i)
                if (!received[i])
                    servers += (servers.empty() ? "" : ", ") + std::to_string(m_ranges[i].server);
            return Error(ErrorKind::Io,
                         "no weights for step " + std::to_string(ticket.step)
                                 + " from parameter server rank(s) " + servers + " within "
                                 + std::to_string(m_timeout.count()) + " ms");
        }
        auto next = m_plane.receiveAny(std::chrono::milliseconds(100));
        TS_TRY(next);
        if (!*next || (*next)->tag.rfind(prefix, 0) != 0)
            continue;
        const DataPlane::Tensor& tensor = **next;
        const auto range = std::find_if(m_ranges.begin(), m_ranges.end(),
                                        [&](const KeyRange& r) { return r.server == tensor.peer; });
        if (range == m_ranges.end() || received[size_t(range - m_ranges.begin())])
            continue;
        if (tensor.values.size() != range->count)
            return Error(ErrorKind::InvalidInput,
                         "parameter server rank " + std::to_string(range->server) + " sent "
                                 + std::to_string(tensor.values.size()) + " weights for its "
                                 + std::to_string(range->count) + " keys");
        std::memcpy(weights.data() + range->offset, tensor.values.data(),
                    range->count * sizeof(float));
        int64_t version = 0;
        std::istringstream(tensor.tag.substr(prefix.size())) >> version;
        oldest = std::min(oldest, version);
        received[size_t(range - m_ranges.begin())] = true;
        --missing;
    }
    return oldest;
}

Result PsClient::done()
{
    for (const KeyRange& range : m_ranges)
        TS_TRY(m_plane.send(range.server, "done", {}));
    return {};
}

} // namespace ts::dist
