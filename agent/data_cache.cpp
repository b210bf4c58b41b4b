#include "agent/data_cache.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ts::agent {

using common::Error;
using common::ErrorKind;

namespace {

// 64 hex digits: the only names the cache gives files, so a hash from the network never names a
// path outside the folder.
bool isSha256(const std::string& text)
{
    if (text.size() != 64)
        return false;
    for (const char c : text)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    return true;
}

} // namespace

common::Expected<std::unique_ptr<DataCache>> DataCache::open(const std::string& folder)
{
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec)
        return Error(ErrorKind::Io, folder + ": cannot create the data cache: " + ec.message());
    // What an agent killed during a transfer left behind.
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec))
        if (entry.path().extension() == ".part")
            std::filesystem::remove(entry.path(), ec);
    return std::unique_ptr<DataCache>(new DataCache(folder));
}

DataCache::DataCache(std::string folder)
    : m_folder(std::move(folder))
{}

DataCache::~DataCache()
{
    for (const auto& [sha256, fd] : m_receiving)
        ::close(fd);
}

bool DataCache::holds(const std::string& path, const wire::DataFile& file)
{
    auto identity = common::identityOf(path);
    if (!identity || identity->size != file.size())
        return false;
    std::lock_guard lock(m_hashesMutex);
    auto hash = m_hashes.sha256(path);
    return hash && *hash == file.sha256();
}

std::string DataCache::find(const wire::DataFile& file)
{
    if (!isSha256(file.sha256()))
        return {};
    const std::string path = pathOf(file.sha256());
    if (holds(path, file))
        return path;
    std::error_code ec;
    std::filesystem::remove(path, ec); // damaged, or a leftover of another size: fetched anew
    return {};
}

common::Result DataCache::begin(const wire::DataFile& file)
{
    if (!isSha256(file.sha256()))
        return Error(ErrorKind::InvalidInput,
                     file.field() + ": \"" + file.sha256() + "\" is not a SHA-256 in hex");
    abandon(file.sha256());
    const std::string part = pathOf(file.sha256()) + ".part";
    const int fd = ::open(part.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error(ErrorKind::Io, part + ": " + std::strerror(errno));
    // The whole size at once: a full disk shows now, not halfway through the dataset.
    if (const int error = ::posix_fallocate(fd, 0, off_t(file.size())); error != 0) {
        ::close(fd);
        std::error_code ec;
        std::filesystem::remove(part, ec);
        return Error(ErrorKind::Io,
                     part + ": no room for " + std::to_string(file.size())
                             + " bytes: " + std::strerror(error));
    }
    m_receiving[file.sha256()] = fd;
    return {};
}

common::Result DataCache::write(const std::string& sha256, uint64_t offset, std::string_view bytes)
{
    const auto receiving = m_receiving.find(sha256);
    if (receiving == m_receiving.end())
        return Error(ErrorKind::InvalidInput, "a chunk of " + sha256 + ", which is not expected");
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::pwrite(receiving->second, bytes.data() + done, bytes.size() - done,
                                   off_t(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return Error(ErrorKind::Io, pathOf(sha256) + ".part: " + std::strerror(errno));
        done += size_t(n);
    }
    return {};
}

common::Result DataCache::close(const wire::DataFile& file)
{
    const auto receiving = m_receiving.find(file.sha256());
    if (receiving == m_receiving.end())
        return Error(ErrorKind::InvalidInput, file.field() + ": not being received");
    const int fd = receiving->second;
    m_receiving.erase(receiving);
    const bool synced = ::fsync(fd) == 0;
    const int error = errno;
    ::close(fd);
    if (synced)
        return {};
    std::error_code ec;
    std::filesystem::remove(pathOf(file.sha256()) + ".part", ec);
    return Error(ErrorKind::Io,
                 file.field() + ": the copy of " + file.path()
                         + " received from the coordinator could not be written to disk: "
                         + std::strerror(error));
}

common::Expected<std::string> DataCache::keep(const wire::DataFile& file)
{
    const std::string part = pathOf(file.sha256()) + ".part";
    auto hash = common::sha256OfFile(part);
    std::error_code ec;
    if (!hash || *hash != file.sha256()) {
        std::filesystem::remove(part, ec);
        return Error(ErrorKind::Io,
                     file.field() + ": the copy of " + file.path()
                             + " received from the coordinator "
                             + (!hash ? "cannot be read back: " + hash.error().message()
                                      : "has SHA-256 " + *hash + ", not " + file.sha256()));
    }
    std::filesystem::rename(part, pathOf(file.sha256()), ec);
    if (ec)
        return Error(ErrorKind::Io, part + ": " + ec.message());
    return pathOf(file.sha256());
}

common::Expected<std::string> DataCache::finish(const wire::DataFile& file)
{
    TS_TRY(close(file));
    return keep(file);
}

void DataCache::abandon(const std::string& sha256)
{
    const auto receiving = m_receiving.find(sha256);
    if (receiving == m_receiving.end())
        return;
    ::close(receiving->second);
    m_receiving.erase(receiving);
    std::error_code ec;
    std::filesystem::remove(pathOf(sha256) + ".part", ec);
}

} // namespace ts::agent
