#include "agent/data_transfers.h"

namespace ts::agent {

common::Result DataTransfers::want(const wire::DataFile& file, Clock::time_point now)
{
    if (m_transfers.count(file.sha256()))
        return {};
    TS_TRY(m_cache.begin(file));
    Transfer& transfer = m_transfers[file.sha256()];
    transfer.file = file;
    transfer.started = now;
    return {};
}

void DataTransfers::drop(const std::string& sha256)
{
    if (m_transfers.erase(sha256))
        m_cache.abandon(sha256);
}

void DataTransfers::keepOnly(const std::set<std::string>& wanted)
{
    std::vector<std::string> unwanted;
    for (const auto& [sha256, transfer] : m_transfers)
        if (!wanted.count(sha256))
            unwanted.push_back(sha256);
    for (const std::string& sha256 : unwanted)
        drop(sha256);
}

std::vector<wire::FetchData> DataTransfers::requests(Clock::time_point now)
{
    std::vector<wire::FetchData> out;
    size_t inFlight = 0;
    for (auto& [sha256, transfer] : m_transfers)
        for (auto& [offset, askedAt] : transfer.inFlight) {
            ++inFlight;
            if (now - askedAt < RetryAfter)
                continue;
            askedAt = now;
            wire::FetchData& fetch = out.emplace_back();
            fetch.set_sha256(sha256);
            fetch.set_offset(offset);
            fetch.set_length(
                    uint32_t(std::min<uint64_t>(ChunkBytes, transfer.file.size() - offset)));
        }
    for (auto& [sha256, transfer] : m_transfers)
        while (inFlight < Window && transfer.nextOffset < transfer.file.size()) {
            const uint64_t offset = transfer.nextOffset;
            const uint64_t length = std::min<uint64_t>(ChunkBytes, transfer.file.size() - offset);
            transfer.nextOffset += length;
            transfer.inFlight[offset] = now;
            ++inFlight;
            wire::FetchData& fetch = out.emplace_back();
            fetch.set_sha256(sha256);
            fetch.set_offset(offset);
            fetch.set_length(uint32_t(length));
        }
    return out;
}

DataTransfers::Done DataTransfers::fail(const std::string& sha256, std::string error)
{
    Done done { m_transfers.at(sha256).file, std::move(error), 0 };
    drop(sha256);
    return done;
}

std::optional<DataTransfers::Done>
DataTransfers::receive(const wire::DataChunk& chunk, std::string_view bytes, Clock::time_point now)
{
    const auto found = m_transfers.find(chunk.sha256());
    if (found == m_transfers.end())
        return std::nullopt; // a file given up on, or a late duplicate
    Transfer& transfer = found->second;
    const wire::DataFile& file = transfer.file;
    if (!chunk.error().empty())
        return fail(chunk.sha256(),
                    file.field() + ": the coordinator cannot send " + file.path() + ": "
                            + chunk.error());
    const auto asked = transfer.inFlight.find(chunk.offset());
    if (asked == transfer.inFlight.end())
        return std::nullopt; // answered twice (asked again after a silence)
    const uint64_t expected = std::min<uint64_t>(ChunkBytes, file.size() - chunk.offset());
    if (bytes.size() != expected)
        return fail(chunk.sha256(),
                    file.field() + ": the coordinator sent " + std::to_string(bytes.size())
                            + " bytes at offset " + std::to_string(chunk.offset()) + " of "
                            + file.path() + ", not " + std::to_string(expected));
    if (common::Result written = m_cache.write(chunk.sha256(), chunk.offset(), bytes); !written)
        return fail(chunk.sha256(), file.field() + ": " + written.error().message());
    transfer.inFlight.erase(asked);
    transfer.received += bytes.size();
    if (transfer.received < file.size())
        return std::nullopt;
    Done done { file, {}, std::chrono::duration<double>(now - transfer.started).count() };
    m_transfers.erase(found);
    if (common::Result closed = m_cache.close(done.file); !closed)
        done.error = closed.error().message();
    return done;
}

} // namespace ts::agent
