// DataTransfers: the agent's fetches of data files from its coordinator (cluster/data_offer.h),
// into its DataCache. Files travel in chunks of ChunkBytes with at most Window chunks asked for
// and unanswered at any time, over all files: the coordinator's socket never queues a whole
// dataset for one agent, and an agent far away still keeps the link busy (8 MiB in flight).
// A chunk unanswered for RetryAfter (the coordinator restarted, the connection was re-made) is
// asked for again; a duplicate answer is ignored.
//
// THREAD SAFETY: the agent client's thread only.
#pragma once

#include "agent/data_cache.h"
#include "common/result.h"
#include "net/trainstudio.pb.h"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ts::agent {

class DataTransfers
{
public:
    using Clock = std::chrono::steady_clock;
    static constexpr uint32_t ChunkBytes = 1u << 20;
    static constexpr size_t Window = 8;
    static constexpr std::chrono::seconds RetryAfter { 10 };

    explicit DataTransfers(DataCache& cache)
        : m_cache(cache)
    {}

    // Starts receiving `file`; nothing when it is already on its way. Io error when the cache
    // cannot hold it (no room on disk).
    common::Result want(const wire::DataFile& file, Clock::time_point now);
    bool receiving(const std::string& sha256) const { return m_transfers.count(sha256) > 0; }
    // Gives up on a file no rank waits for any more.
    void drop(const std::string& sha256);
    // Gives up on every file but those of `wanted` (SHA-256).
    void keepOnly(const std::set<std::string>& wanted);

    // The chunks to ask for now.
    std::vector<wire::FetchData> requests(Clock::time_point now);

    // A file that arrived whole (on disk, not yet checked: DataCache::keep() checks it and
    // moves it into the cache), or whose transfer failed.
    struct Done
    {
        wire::DataFile file;
        std::string error; // why it failed; empty when it arrived
        double seconds = 0;
    };
    // Stores a chunk; the file once it is complete, or the failure (the coordinator's refusal,
    // a chunk of the wrong size, a disk error).
    std::optional<Done> receive(const wire::DataChunk& chunk, std::string_view bytes,
                                Clock::time_point now);

private:
    struct Transfer
    {
        wire::DataFile file;
        uint64_t nextOffset = 0; // the first byte not asked for yet
        uint64_t received = 0;
        std::map<uint64_t, Clock::time_point> inFlight; // offset -> when it was asked for
        Clock::time_point started;
    };
    Done fail(const std::string& sha256, std::string error);

    DataCache& m_cache;
    std::map<std::string, Transfer> m_transfers; // by SHA-256
};

} // namespace ts::agent
