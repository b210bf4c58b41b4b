#include "cluster/data_offer.h"

#include "cluster/data_roots.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ts::cluster {

std::vector<wire::DataFile> DataOffer::offer(const pipeline::PipelineSpec& spec)
{
    std::vector<wire::DataFile> files;
    for (const SourceFile& source : sourceFiles(spec)) {
        auto identity = common::identityOf(source.path);
        auto hash = m_hashes.sha256(source.path);
        if (!identity || !hash)
            continue;
        wire::DataFile& file = files.emplace_back();
        file.set_field(source.field);
        file.set_path(source.path);
        file.set_sha256(*hash);
        file.set_size(identity->size);
        m_offered[*hash] = { source.path, *identity };
    }
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
