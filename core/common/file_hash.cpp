#include "common/file_hash.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace ts::common {

Expected<FileIdentity> identityOf(const std::string& path)
{
    struct stat info
    {};
    if (::stat(path.c_str(), &info) != 0)
        return Error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                     path + ": " + std::strerror(errno));
    if (!S_ISREG(info.st_mode))
        return Error(ErrorKind::NotFound, path + ": not a regular file");
    return FileIdentity { uint64_t(info.st_size),
                          int64_t(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec };
}

Expected<std::string> sha256OfFile(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                     path + ": " + std::strerror(errno));
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    std::vector<unsigned char> block(size_t(1) << 20);
    for (;;) {
        const ssize_t n = ::read(fd, block.data(), block.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            return Error(ErrorKind::Io, path + ": " + std::strerror(error));
        }
        if (n == 0)
            break;
        crypto_hash_sha256_update(&state, block.data(), size_t(n));
    }
    ::close(fd);
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, digest);
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return std::string(hex);
}

Expected<std::string> FileHashMemo::sha256(const std::string& path)
{
    auto identity = identityOf(path);
    TS_TRY(identity);
    if (auto known = m_known.find(path);
        known != m_known.end() && known->second.identity == *identity)
        return known->second.sha256;
    auto hash = sha256OfFile(path);
    TS_TRY(hash);
    // Changed while it was read: the hash may mix two versions, so it is not kept.
    if (auto after = identityOf(path); after && *after == *identity)
        m_known[path] = { *identity, *hash };
    return hash;
}

} // namespace ts::common
