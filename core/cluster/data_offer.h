// DataOffer: the coordinator's side of delivering data to agents that cannot read it themselves
// (no shared file system, or the files lie outside an agent's data roots). When a job starts, the
// files of its pipeline's source that the coordinator can read are described in every ASSIGN
// (wire::DataFile: field, path, SHA-256, size); an agent that lacks one asks for it in chunks
// (FETCH_DATA) and the coordinator answers each with the bytes (DATA_CHUNK), as the "credit-based"
// file transfer of the ZeroMQ guide does: the agent keeps a few chunks in flight, so neither side
// holds a whole dataset in memory and the transfer paces itself.
//
// Only files that some job's ASSIGN offered can be fetched, by their hash; a file that changed
// since it was offered is refused (the agent would cache bytes that match no hash), and the job's
// rank fails saying so. Files are read from disk chunk by chunk (the page cache keeps a dataset
// that several agents fetch at once).
//
// THREAD SAFETY: the coordinator's thread only.
#pragma once

#include "cluster/data_roots.h"
#include "common/file_hash.h"
#include "net/trainstudio.pb.h"

#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ts::cluster {

class DataOffer
{
public:
    // The files of `sources` (cluster/data_roots.h, sourceFiles) this process can read, with
    // their hashes, offered from now on; nullopt while some are still being hashed, on threads
    // of their own (a large dataset must not hold up the coordinator's heartbeats): ask again.
    // A file it cannot read is left out: the agents may have it themselves, and if they do not,
    // their rank says which field names a file nobody could read.
    std::optional<std::vector<wire::DataFile>> offer(const std::vector<SourceFile>& sources);

    // The chunk `fetch` asks for: its bytes go into `bytes`, or the answer carries an error
    // (an unknown hash, a range past the end, a file changed or gone since it was offered).
    wire::DataChunk serve(const wire::FetchData& fetch, std::string& bytes);

private:
    struct Offered
    {
        std::string path;
        common::FileIdentity identity;
    };
    struct Hashing
    {
        common::FileIdentity identity; // of the file when its hashing began
        std::future<common::Expected<std::string>> sha256;
    };
    struct Hashed
    {
        common::FileIdentity identity;
        std::string sha256;
    };
    std::map<std::string, Hashed> m_hashed;                   // by path
    std::map<std::string, Hashing> m_hashing;                 // by path
    std::map<std::string, common::FileIdentity> m_unreadable; // by path: its hashing failed
    std::map<std::string, Offered> m_offered;                 // by SHA-256
};

} // namespace ts::cluster
