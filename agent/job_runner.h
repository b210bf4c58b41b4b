// JobRunner: the agent daemon's JobHost (cluster/job_host.h). Each assigned rank runs as a child
// process of this same executable (agent/rank_process.h) in a folder of its own under the work
// folder (job-J/attempt-A/rank-R: the assignment, the checkpoint to resume from, its
// checkpoints, and rank.log, its stdout and stderr), so a crashing job never takes the agent
// down. A rank assigned "cuda:N" sees that GPU alone (CUDA_VISIBLE_DEVICES=N), a CPU rank none.
// The child dies with the agent (PR_SET_PDEATHSIG): an agent that is killed leaves no rank
// training for nobody. Cancelling sends SIGTERM (the run stops at its next step and is recorded
// cancelled), then SIGKILL after 10 s.
//
// The pipeline's data files: a rank reads the agent's own copy when it lies in the data roots and
// matches the coordinator's (same SHA-256); otherwise the agent fetches the coordinator's into its
// cache (agent/data_cache.h, agent/data_transfers.h) before it starts the rank, which then reads
// the cached copy. The job's log says which, and how long the transfer took. Whole files are
// hashed on threads of their own (job_runner_data.cpp), never on the thread that heartbeats.
//
// A rank of a job of several waits for the rendezvous table, which the agent writes into its
// folder (rendezvous.pb) when the coordinator sends it.
//
// Records of the ranks and of their exits go through the spool (agent/spool.h), which the agent
// client forwards.
//
// THREAD SAFETY: the agent client's thread only.
#pragma once

#include "agent/data_cache.h"
#include "agent/data_transfers.h"
#include "agent/spool.h"
#include "cluster/job_host.h"

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace ts::agent {

struct JobRunnerOptions
{
    std::string workDir;                // the ranks' folders
    std::string spoolPath;              // the agent's spool file
    std::vector<std::string> dataRoots; // passed to every rank
    std::string executable;             // this program (the rank processes run it)
    std::string dataPlaneHost;          // where other machines reach this one's ranks
    std::function<void(const std::string&)> log;
};

class JobRunner final : public cluster::JobHost
{
public:
    // Takes the work folder for this agent alone (an advisory lock on its "agent.lock"): another
    // agent already using it is an InvalidInput error naming the folder.
    static common::Expected<std::unique_ptr<JobRunner>> open(JobRunnerOptions options);
    ~JobRunner() override; // kills ranks still running

    void assign(const wire::Assign& assign, std::span<const std::string_view> payloads) override;
    void cancel(int64_t job, int attempt, const std::string& reason) override;
    void rendezvous(const wire::Rendezvous& table) override;
    void poll() override;
    uint32_t runningRanks() const override;
    std::vector<wire::RunningJob> runningJobs() const override;
    common::Expected<cluster::RecordBatch> pendingRecords(size_t maxBytes) override;
    common::Result acknowledge(uint64_t sequence) override;
    std::vector<wire::FetchData> dataRequests(std::chrono::steady_clock::time_point now) override;
    void dataChunk(const wire::DataChunk& chunk, std::string_view bytes) override;

private:
    struct Rank
    {
        wire::Assign assign;
        std::string dir;
        std::chrono::steady_clock::time_point cancelledAt {};
        bool cancelling = false;
    };

    // Where a rank's data file is: its own copy (no local path), the cache's, or still to fetch.
    struct Located
    {
        std::string cachedPath;
        std::string why;      // why the agent's own copy does not do; empty when it does
        bool missing = false; // to be fetched
    };
    // A rank whose data files are being looked for (hashed) off the control thread.
    struct Locating
    {
        wire::Assign assign;
        std::string dir;
        std::future<std::vector<Located>> located;
        bool cancelled = false;
    };
    // A rank whose data files are still on their way from the coordinator.
    struct Waiting
    {
        wire::Assign assign;
        std::string dir;
        std::set<std::string> missing; // SHA-256 of the files it waits for
    };
    // A file that arrived whole, being checked against its hash off the control thread.
    struct Checking
    {
        wire::DataFile file;
        double seconds = 0;
        std::future<common::Expected<std::string>> kept;
    };

    JobRunner(JobRunnerOptions options, std::unique_ptr<Spool> spool, int lockFd,
              std::unique_ptr<DataCache> cache);
    void recordExit(const wire::Assign& assign, int code, const std::string& message);
    // A line in the job's log on behalf of a rank that has not started.
    void recordLog(const wire::Assign& assign, int level, const std::string& text);
    // Ends a rank that never started as the rank itself would: its run's end, then its exit.
    void endUnstarted(const wire::Assign& assign, const std::string& status,
                      const std::string& error);
    // Where each of `files` is (runs on a thread of its own; job_runner_data.cpp).
    static std::vector<Located>
    locateData(DataCache& cache, const std::vector<std::string>& roots,
               const google::protobuf::RepeatedPtrField<wire::DataFile>& files);
    // Points the rank's files at the copies found, starts fetching the missing ones, and starts
    // the rank or lets it wait for them.
    void useLocated(Locating& locating, const std::vector<Located>& located);
    // A file's transfer ended: kept in the cache at `path`, or failed with `error`.
    void fileEnded(const wire::DataFile& file, const std::string& path, const std::string& error,
                   double seconds);
    // Takes the answers of the threads that locate and check data files.
    void pollData();
    void startRank(const wire::Assign& assign, const std::string& dir);

    JobRunnerOptions m_options;
    std::unique_ptr<Spool> m_spool;
    int m_lockFd = -1; // held for the agent's life
    std::map<pid_t, Rank> m_ranks;
    std::unique_ptr<DataCache> m_cache;
    DataTransfers m_transfers { *m_cache };
    std::vector<Locating> m_locating; // after m_cache: their threads use it to the end
    std::vector<Waiting> m_waiting;
    std::vector<Checking> m_checking;
    std::map<std::tuple<int64_t, int, int>, int64_t> m_agentLines; // by job, attempt, rank
    // Ranks that ended but whose exit the coordinator has not acknowledged yet, with the spool
    // sequence of that record: REGISTER still lists their jobs, so a coordinator that restarted
    // meanwhile waits for the outcome instead of taking the job for lost.
    std::map<std::pair<int64_t, int>, uint64_t> m_unacknowledgedExits;
    bool m_spoolMayHaveRecords = true;
};

} // namespace ts::agent
