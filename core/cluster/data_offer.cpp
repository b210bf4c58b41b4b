#include "cluster/data_offer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ts::cluster {

std::optional<std::vector<wire::DataFile>> DataOffer::offer(const std::vector<SourceFile>& sources)
{
    std::vector<wire::DataFile> files;
    bool hashing = false;
    for (const SourceFile& source : sources) {
        auto identity = common::identityOf(source.path);
        if (!identity)
            continue;
        if (auto started = m_hashing.find(source.path); started != m_hashing.end()) {
            if (started->second.sha256.wait_for(std::chrono::seconds(0))
                != std::future_status::ready) {
                hashing = true;
                continue;
            }
            auto hash = started->second.sha256.get();
            const common::FileIdentity hashedAs = started->second.identity;
            m_hashing.erase(started);
            if (hash && hashedAs == *identity)
                m_hashed[source.path] = { hashedAs, *hash };
            else if (!hash)
                m_unreadable[source.path] = hashedAs; // not offered while it stays so
        }
        if (auto unreadable = m_unreadable.find(source.path);
            unreadable != m_unreadable.end() && unreadable->second == *identity)
            continue;
        const auto known = m_hashed.find(source.path);
        if (known == m_hashed.end() || !(known->second.identity == *identity)) {
            m_hashing[source.path] = {
                *identity, std::async(std::launch::async, common::sha256OfFile, source.path)
            };
            hashing = true;
            continue;
        }
        wire::DataFile& file = files.emplace_back();
        file.set_field(source.field);
        file.set_path(source.path);
        file.set_sha256(known->second.sha256);
        file.set_size(identity->size);
        m_offered[known->second.sha256] = { source.path, *identity };
    }
    if (hashing)
        return std::nullopt;
    return files;
}

wire::DataChunk DataOffer::serve(const wire::FetchData& fetch, std::string& bytes)
{
    wire::DataChunk chunk;
    chunk.set_sha256(fetch.sha256());
    chunk.set_offset(fetch.offset());
    bytes.clear();
    const auto offered = m_offered.find(fetch.sha256());
    if (offered == m_offered.end()) {
        chunk.set_error("the coordinator offers no file with SHA-256 " + fetch.sha256());
        return chunk;
    }
    const Offered& file = offered->second;
    auto now = common::identityOf(file.path);
    if (!now || !(*now == file.identity)) {
        chunk.set_error(file.path + (now ? " changed" : " went away")
                        + " on the coordinator after the job started; submit the job again");
        m_offered.erase(offered);
        return chunk;
    }
    if (fetch.offset() >= file.identity.size) {
        chunk.set_error(file.path + ": no bytes at offset " + std::to_string(fetch.offset())
                        + " of a file of " + std::to_string(file.identity.size));
        return chunk;
    }
    const uint64_t length = std::min<uint64_t>(fetch.length(), file.identity.size - fetch.offset());
    bytes.resize(length);
    int error = 0;
    const int fd = ::open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        error = errno;
    size_t done = 0;
    while (fd >= 0 && done < length) {
        const ssize_t n =
                ::pread(fd, bytes.data() + done, length - done, off_t(fetch.offset() + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            error = errno;
        if (n <= 0)
            break;
        done += size_t(n);
    }
    if (fd >= 0)
        ::close(fd);
    if (done != length) {
        bytes.clear();
        chunk.set_error(file.path + ": cannot read it on the coordinator: "
                        + (error ? std::strerror(error) : "shorter than when it was offered"));
    }
    return chunk;
}

} // namespace ts::cluster
