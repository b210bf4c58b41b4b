// Spool: the agent's outbox, a local SQLite file of the records its ranks made
// (train/run_recorder.h) that the coordinator has not yet acknowledged. Ranks append (each rank
// process has its own connection); the agent reads the oldest records, forwards them, and deletes
// them once the coordinator ACKs. While the coordinator is unreachable (the studio is closed,
// the network is down) records simply stay here, on disk, and go out in order on reconnect.
//
// A record's sequence is its row id: increasing, never reused (AUTOINCREMENT), so an ACK "up to
// N" never covers a record appended after the batch was read.
//
// THREAD SAFETY: one Spool object per thread; several processes may open one file (WAL, with a
// busy timeout).
#pragma once

#include "cluster/job_host.h" // for RecordBatch
#include "common/result.h"
#include "net/trainstudio.pb.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ts::agent {

class Spool
{
public:
    static common::Expected<std::unique_ptr<Spool>> open(const std::string& path);
    ~Spool();

    // Appends one record and returns its sequence; `payload` is a checkpoint file for a
    // checkpoint record.
    common::Expected<uint64_t> append(const wire::Record& record, std::string_view payload = {});
    // The oldest records, in order, as many as fit in `maxBytes` with their payloads (at least
    // one, however large).
    common::Expected<cluster::RecordBatch> pending(size_t maxBytes);
    // Deletes every record up to `sequence`.
    common::Result acknowledge(uint64_t sequence);
    common::Expected<int64_t> size();

    const std::string& path() const;

private:
    struct Private;
    explicit Spool(std::unique_ptr<Private> d);
    std::unique_ptr<Private> d;
};

} // namespace ts::agent
