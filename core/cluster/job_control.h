// JobControl: the coordinator's job life cycle (store/job_types.h has the states). The queue is
// the store's jobs table: `trainstudio-cli jobs submit` (or the studio) adds a job there, and the
// coordinator that serves the store picks it up; `jobs cancel` sets a flag it reads.
//
//  - schedule(): places waiting jobs (queued, or paused after losing an agent), highest
//    priority first, each with all its ranks at once (cluster/placement.h), and sends each rank's
//    agent an ASSIGN with the job's own CURVE key pair; a paused job resumes from its last
//    checkpoint, which travels with the ASSIGN. Once every rank reported its data-plane endpoint,
//    the rendezvous table goes to the agents of all ranks. A job that fits nowhere waits without
//    holding up smaller ones. It also passes cancel requests on, and pauses running jobs with a
//    rank on a lost agent (the job's other ranks are cancelled; all resume together).
//  - agentRegistered(): an agent that (re)registers lists the jobs it still runs: those are
//    adopted (a restarted coordinator keeps its running jobs), any other job the store says it
//    runs died with it and is paused.
//  A job of several ranks finishes when every rank finished; one failing rank fails it (the others
//  are cancelled). Checkpoints and confusion matrices are rank 0's: the ranks of a data-parallel
//  job hold the same model.
//  - serveData(): a chunk of a data file the ASSIGNs offered, for an agent that cannot read it
//    (cluster/data_offer.h).
//  - apply(): stores an agent's records (train/run_recorder.h): metrics, the run's description,
//    statistics, prep, confusion matrices, checkpoints (kept beside the store, as a local run's
//    are), log lines, the run's end and the rank's exit. Every record may come twice and is
//    stored once; records of an attempt that is no longer current only add points and lines.
//
// THREAD SAFETY: the coordinator's thread only.
#pragma once

#include "cluster/agent_registry.h"
#include "cluster/data_offer.h"
#include "cluster/placement.h"
#include "cluster/straggler_detector.h"
#include "common/result.h"
#include "net/trainstudio.pb.h"
#include "store/experiment_store.h"

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ts::cluster {

// A message the coordinator sends to one agent.
struct Outgoing
{
    std::string routingId;
    wire::Header header;
    std::vector<std::string> payloads;
};

class JobControl
{
public:
    // Opens the store (created when missing). `lostAfter`: a running job whose agent has not
    // registered this long after the coordinator started is lost (its agent never came back).
    static common::Expected<std::unique_ptr<JobControl>> open(const std::string& storePath,
                                                              std::chrono::milliseconds lostAfter);

    std::vector<Outgoing> schedule(const std::vector<AgentState>& agents, Clock::time_point now);
    void agentRegistered(const AgentState& agent);
    // Whether ASSIGNs offer the source's files to agents that cannot read them (on by default;
    // off, an agent reads its own files or the rank fails).
    void setDeliverData(bool deliver) { m_deliverData = deliver; }
    wire::DataChunk serveData(const wire::FetchData& fetch, std::string& bytes)
    {
        return m_data.serve(fetch, bytes);
    }
    common::Result apply(const std::string& agentId, const wire::Records& records,
                         std::span<const std::string_view> payloads);

    // The keys of the agents the store lists (trainstudio-cli agents add): the allow-list.
    std::set<std::string> allowedKeys();
    // Lines for the coordinator's log ("job 3 started on lab-2 (attempt 1)"), oldest first.
    std::vector<std::string> takeLog();

private:
    JobControl(std::unique_ptr<store::ExperimentStore> store, std::chrono::milliseconds lostAfter);
    common::Result start(store::JobRecord& job, std::vector<store::RankPlacement> placement,
                         const Placement& agents, const std::vector<wire::DataFile>& dataFiles);
    void pause(store::JobRecord& job, const std::string& why);
    void end(store::JobRecord& job, store::JobState state, const std::string& message);
    // CANCEL to every agent with a rank of the job's current attempt that has not ended.
    void cancelRanks(const store::JobRecord& job, const std::string& reason);
    void sendRendezvous(const store::JobRecord& job);
    // When `rank` is a worker of an async parameter-server job with another worker left, marks
    // it lost, records the event, tells the other ranks (a rendezvous with the lost ranks) and
    // returns true: the job goes on. False for any other job or rank (job_control_loss.cpp).
    bool goOnWithout(store::JobRecord& job, size_t rank, const std::string& why);
    common::Result applyOne(store::JobRecord& job, const std::string& agentId,
                            const wire::Record& record, std::span<const std::string_view> payloads);
    void note(const std::string& line) { m_log.push_back(line); }

    std::unique_ptr<store::ExperimentStore> m_store;
    std::chrono::milliseconds m_lostAfter;
    Clock::time_point m_startedAt;
    std::set<int64_t> m_cancelSent;             // jobs whose agents were told to cancel
    std::map<int64_t, std::string> m_requested; // job -> its pipeline's device ("auto", ...)
    std::map<int64_t, std::vector<SourceFile>> m_sources; // job -> the files its source reads
    std::map<std::string, std::string> m_routes; // agent id -> routing id of its connection
    std::vector<Outgoing> m_outbox;              // messages schedule() sends next
    std::vector<std::string> m_log;
    std::map<int64_t, StragglerDetector> m_stragglers; // by job, while it runs
    std::map<int64_t, int> m_asyncWorkers; // by job: its workers if async PS throughout, else 0
    DataOffer m_data;
    bool m_deliverData = true;
};

} // namespace ts::cluster
