// JobHost: what an agent does with the jobs its coordinator assigns, as the control plane's
// agent side (cluster/agent_client.h) sees it. The agent daemon implements it (agent/
// job_runner.h: one child process per rank, records spooled in SQLite); the connection only
// passes assignments and cancellations in and forwards the spooled records out, in order, until
// the coordinator acknowledges them.
//
// THREAD SAFETY: called on the agent client's thread only.
#pragma once

#include "common/result.h"
#include "net/trainstudio.pb.h"

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ts::cluster {

// Spooled records ready to forward: one RECORDS body and its payload frames (checkpoints).
struct RecordBatch
{
    wire::Records records;
    std::vector<std::string> payloads;
    uint64_t lastSequence = 0; // the sequence the coordinator's ACK must reach
};

class JobHost
{
public:
    virtual ~JobHost() = default;
    // Starts rank assign.rank() of job assign.job(); `payloads` holds the checkpoint to resume
    // from (assign.resume()). A rank that cannot start is recorded as exited, with the reason.
    virtual void assign(const wire::Assign& assign, std::span<const std::string_view> payloads) = 0;
    // Stops the ranks of attempt `attempt` of job `job` (0: of every attempt).
    virtual void cancel(int64_t job, int attempt, const std::string& reason) = 0;
    // Every rank's data-plane endpoint, for this agent's ranks of the job's attempt.
    virtual void rendezvous(const wire::Rendezvous& table) = 0;
    // Called every loop turn (~50 ms): reap ranks that ended, record their exits.
    virtual void poll() = 0;
    virtual uint32_t runningRanks() const = 0;
    // The jobs (and attempts) whose ranks run here, for REGISTER.
    virtual std::vector<wire::RunningJob> runningJobs() const = 0;
    // The oldest records not yet acknowledged, up to about `maxBytes`; empty when none.
    virtual common::Expected<RecordBatch> pendingRecords(size_t maxBytes) = 0;
    // The coordinator stored every record up to `sequence`.
    virtual common::Result acknowledge(uint64_t sequence) = 0;
    // Data files that ranks wait for (their agent cannot read them): the chunks to ask the
    // coordinator for now, as FETCH_DATA messages.
    virtual std::vector<wire::FetchData> dataRequests(std::chrono::steady_clock::time_point)
    {
        return {};
    }
    // The coordinator's DATA_CHUNK answer, its bytes in `bytes`.
    virtual void dataChunk(const wire::DataChunk&, std::string_view /*bytes*/) {}
};

} // namespace ts::cluster
