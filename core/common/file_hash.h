// The SHA-256 of a file's content, the name data files travel and are cached under (an agent
// that fetches a dataset from its coordinator keeps it as <cache>/<sha256>).
//
// FileHashMemo hashes a file once for as long as it stays the same file: its size and
// modification time are checked on every lookup, so a dataset replaced in place is hashed again,
// and the 50 MB of Fashion-MNIST's training images are not read again for every job.
//
// THREAD SAFETY: sha256OfFile is a pure function; a FileHashMemo is one thread's.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <map>
#include <string>

namespace ts::common {

// What tells whether a file changed without reading it.
struct FileIdentity
{
    uint64_t size = 0;
    int64_t modifiedNs = 0;
    bool operator==(const FileIdentity&) const = default;
};

// The size and modification time of `path`; NotFound when there is no such regular file.
Expected<FileIdentity> identityOf(const std::string& path);

// The SHA-256 of the file at `path` as 64 lowercase hex digits, read in blocks of 1 MiB.
Expected<std::string> sha256OfFile(const std::string& path);

class FileHashMemo
{
public:
    // sha256OfFile(path), read again only when the file's identity changed since last time.
    Expected<std::string> sha256(const std::string& path);

private:
    struct Known
    {
        FileIdentity identity;
        std::string sha256;
    };
    std::map<std::string, Known> m_known;
};

} // namespace ts::common
