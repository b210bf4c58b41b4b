// DataCache: where an agent keeps the data files its coordinator sent it (cluster/data_offer.h),
// one file per content hash: <work>/data-cache/<sha256>. A second job over the same dataset --
// or the next attempt of the same job -- finds it there and starts without a transfer; a dataset
// changed on the coordinator has another hash and travels again.
//
// A file being received lies beside as <sha256>.part and is renamed into place only after its
// whole content was hashed and matched its name, so a cached file is always whole. A cached file
// is hashed again when first used (then remembered while its size and time stay): one damaged on
// disk is removed and fetched anew instead of being trained on.
//
// THREAD SAFETY: holds(), find() and keep() -- the ones that read whole files -- may run on other
// threads (the agent hashes off its control thread, whose heartbeats must not wait on a
// gigabyte); keep() of a file must not overlap its begin(). The rest is the agent client's
// thread's.
#pragma once

#include "common/file_hash.h"
#include "common/result.h"
#include "net/trainstudio.pb.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace ts::agent {

class DataCache
{
public:
    // Creates `folder` when missing.
    static common::Expected<std::unique_ptr<DataCache>> open(const std::string& folder);
    ~DataCache(); // closes the files still being received

    const std::string& folder() const { return m_folder; }

    // True when `path` holds exactly `file`'s content (same size and SHA-256): the agent can
    // let its rank read its own file.
    bool holds(const std::string& path, const wire::DataFile& file);
    // The cached copy of `file`, or empty when there is none (a damaged one is removed).
    std::string find(const wire::DataFile& file);

    // Receiving `file`: begin() makes its .part file of the full size, write() puts a chunk at
    // its offset, close() writes it to disk once all came, and keep() checks the hash and moves
    // the file into the cache, returning its path (on failure the .part is removed).
    // finish() is close() then keep().
    common::Result begin(const wire::DataFile& file);
    common::Result write(const std::string& sha256, uint64_t offset, std::string_view bytes);
    common::Result close(const wire::DataFile& file);
    common::Expected<std::string> keep(const wire::DataFile& file);
    common::Expected<std::string> finish(const wire::DataFile& file);
    // Gives up on a file being received (its .part is removed).
    void abandon(const std::string& sha256);

private:
    explicit DataCache(std::string folder);
    std::string pathOf(const std::string& sha256) const { return m_folder + "/" + sha256; }

    std::string m_folder;
    std::mutex m_hashesMutex; // guards m_hashes
    common::FileHashMemo m_hashes;
    std::map<std::string, int> m_receiving; // SHA-256 -> the open .part file
};

} // namespace ts::agent
