// JobControl: the coordinator's job life cycle (store/job_types.h has the states). The queue is
// the store's jobs table: `trainstudio-cli jobs submit` (or the studio) adds a job there, and the
// coordinator that serves the store picks it up; `jobs cancel` sets a flag it reads.
//
//  - schedule(): places waiting jobs (queued, or paused after losing their agent), highest
//    priority first, and sends ASSIGN; a paused job resumes from its last checkpoint, which
//    travels with the ASSIGN. A job whose pipeline asks for "cuda" gets a GPU of its own: one no
//    other job runs on, with at least MinFreeGpuBytes free when its agent registered; "auto"
//    takes such a GPU when there is one, else a CPU slot; "cpu" a CPU slot (an agent has
//    `slots` of them). Among agents that fit, the one with the most free devices of the kind
//    goes first, so jobs spread. A job that fits nowhere waits without holding up smaller ones.
//    It also passes cancel requests on, and pauses running jobs whose agent is lost.
//  - agentRegistered(): an agent that (re)registers lists the jobs it still runs: those are
//    adopted (a restarted coordinator keeps its running jobs), any other job the store says it
//    runs died with it and is paused.
//  - apply(): stores an agent's records (train/run_recorder.h): metrics, the run's description,
//    statistics, prep, confusion matrices, checkpoints (kept beside the store, as a local run's
//    are), log lines, the run's end and the rank's exit. Every record may come twice and is
//    stored once; records of an attempt that is no longer current only add points and lines.
//
// THREAD SAFETY: the coordinator's thread only.
#pragma once

#include "cluster/agent_registry.h"
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

// A GPU with less free memory than this is taken (by something else than our jobs).
constexpr uint64_t MinFreeGpuBytes = uint64_t(1) << 30;

class JobControl
{
public:
    // Opens the store (created when missing). `lostAfter`: a running job whose agent has not
    // registered this long after the coordinator started is lost (its agent never came back).
    static common::Expected<std::unique_ptr<JobControl>> open(const std::string& storePath,
                                                              std::chrono::milliseconds lostAfter);

    std::vector<Outgoing> schedule(const std::vector<AgentState>& agents, Clock::time_point now);
    void agentRegistered(const AgentState& agent);
    common::Result apply(const std::string& agentId, const wire::Records& records,
                         std::span<const std::string_view> payloads);

    // The keys of the agents the store lists (trainstudio-cli agents add): the allow-list.
    std::set<std::string> allowedKeys();
    // Lines for the coordinator's log ("job 3 started on lab-2 (attempt 1)"), oldest first.
    std::vector<std::string> takeLog();

private:
    JobControl(std::unique_ptr<store::ExperimentStore> store, std::chrono::milliseconds lostAfter);
    common::Result start(store::JobRecord& job, const AgentState& agent, const std::string& device,
                         std::vector<Outgoing>& out);
    void pause(store::JobRecord& job, const std::string& why);
    void end(store::JobRecord& job, store::JobState state, const std::string& message);
    common::Result applyOne(store::JobRecord& job, const std::string& agentId,
                            const wire::Record& record, std::span<const std::string_view> payloads);
    void note(const std::string& line) { m_log.push_back(line); }

    std::unique_ptr<store::ExperimentStore> m_store;
    std::chrono::milliseconds m_lostAfter;
    Clock::time_point m_startedAt;
    std::set<int64_t> m_cancelSent;             // jobs whose agent was told to cancel
    std::map<int64_t, std::string> m_requested; // job -> its pipeline's device ("auto", ...)
    std::vector<std::string> m_log;
};

} // namespace ts::cluster
