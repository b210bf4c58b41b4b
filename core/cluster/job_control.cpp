// JobControl's life cycle of jobs: scheduling, starting, pausing, ending, cancelling
// (the records ranks send are applied in job_control_records.cpp).
#include "cluster/job_control.h"

#include "cluster/job_control_private.h"
#include "common/file_io.h"
#include "net/curve_keys.h"
#include "pipeline/pipeline_parser.h"
#include "train/pipeline_runner.h" // for checkpointPathOf

#include <algorithm>
#include <filesystem>

namespace ts::cluster {

using common::Error;
using common::ErrorKind;
using store::JobRecord;
using store::JobState;

namespace {} // namespace

common::Expected<std::unique_ptr<JobControl>> JobControl::open(const std::string& storePath,
                                                               std::chrono::milliseconds lostAfter)
{
    auto store = store::ExperimentStore::open(storePath);
    if (!store)
        return std::move(store).error();
    return std::unique_ptr<JobControl>(new JobControl(std::move(*store), lostAfter));
}

JobControl::JobControl(std::unique_ptr<store::ExperimentStore> store,
                       std::chrono::milliseconds lostAfter)
    : m_store(std::move(store))
    , m_lostAfter(lostAfter)
    , m_startedAt(Clock::now())
{}

std::set<std::string> JobControl::allowedKeys()
{
    std::set<std::string> keys;
    if (auto agents = m_store->agents())
        for (const store::AgentRecord& agent : *agents)
            keys.insert(agent.publicKey);
    return keys;
}

std::vector<std::string> JobControl::takeLog()
{
    return std::exchange(m_log, {});
}

void JobControl::cancelRanks(const JobRecord& job, const std::string& reason)
{
    std::set<std::string> agents;
    for (const store::RankPlacement& rank : job.placement)
        if (!rank.ended)
            agents.insert(rank.agent);
    for (const std::string& agent : agents) {
        auto route = m_routes.find(agent);
        if (route == m_routes.end())
            continue; // not connected: nothing runs there for us to stop
        Outgoing cancel { route->second, {}, {} };
        cancel.header.set_type(wire::CANCEL);
        cancel.header.mutable_cancel()->set_job(job.id);
        cancel.header.mutable_cancel()->set_attempt(job.attempt);
        cancel.header.mutable_cancel()->set_reason(reason);
        m_outbox.push_back(std::move(cancel));
    }
}

void JobControl::end(JobRecord& job, JobState state, const std::string& message)
{
    cancelRanks(job, "job " + store::toString(state)); // ranks still running stop
    m_stragglers.erase(job.id);
    job.state = state;
    job.finishedAt = unixNow();
    job.message = message;
    if (job.run != 0) {
        const auto status = state == JobState::Finished ? store::RunStatus::Finished
                : state == JobState::Cancelled          ? store::RunStatus::Cancelled
                                                        : store::RunStatus::Failed;
        (void)m_store->finishRun(job.run, status, state == JobState::Failed ? message : "");
    }
    if (auto saved = m_store->saveJob(job); !saved)
        note(saved.error().message());
    note(jobName(job) + " " + store::toString(state) + (message.empty() ? "" : ": " + message));
}

void JobControl::pause(JobRecord& job, const std::string& why)
{
    if (job.cancelRequested) {
        end(job, JobState::Cancelled, why + "; cancelled as asked");
        return;
    }
    cancelRanks(job, why); // the ranks that survive stop: the job resumes as a whole
    job.state = JobState::Paused;
    job.message = why
            + (job.checkpointStep >= 0 ? "; resumes from step " + std::to_string(job.checkpointStep)
                                       : "; starts again (no checkpoint)");
    if (auto saved = m_store->saveJob(job); !saved)
        note(saved.error().message());
    if (job.run != 0)
        (void)m_store->addEvent({ 0, job.run, unixNow(), "worker_lost", -1, job.message });
    note(jobName(job) + " paused: " + job.message);
}

common::Result JobControl::start(JobRecord& job, std::vector<store::RankPlacement> placement,
                                 const Placement& agents,
                                 const std::vector<wire::DataFile>& dataFiles)
{
    if (job.run == 0) {
        auto run = m_store->createRun({ job.experiment, job.name, job.pipelineJson, "", {} });
        TS_TRY(run);
        job.run = *run;
    }
    auto jobKeys = net::generateKeyPair(); // this attempt's data plane admits its ranks only
    TS_TRY(jobKeys);
    const std::string checkpoint = train::checkpointPathOf(m_store->path(), job.run);
    const bool resume = job.checkpointStep >= 0 && std::filesystem::exists(checkpoint);
    std::string checkpointBytes;
    if (resume) {
        auto bytes = common::readFileBytes(checkpoint);
        TS_TRY(bytes);
        checkpointBytes = std::move(*bytes);
    }
    job.attempt += 1;
    job.state = JobState::Running;
    job.placement = std::move(placement);
    job.agent = job.placement.front().agent;
    job.device = job.placement.front().device;
    job.startedAt = unixNow();
    job.message.clear();
    TS_TRY(m_store->saveJob(job));
    for (size_t rank = 0; rank < job.placement.size(); ++rank) {
        const store::RankPlacement& p = job.placement[rank];
        const AgentState& agent = agents.agent(p.agent);
        Outgoing message { agent.routingId, {}, {} };
        message.header.set_type(wire::ASSIGN);
        wire::Assign& assign = *message.header.mutable_assign();
        assign.set_pipeline_json(job.pipelineJson);
        assign.set_world_size(int32_t(job.placement.size()));
        assign.set_run(job.run);
        assign.set_job(job.id);
        assign.set_attempt(job.attempt);
        assign.set_rank(int32_t(rank));
        assign.set_base_dir(job.baseDir);
        assign.set_checkpoint_every(job.checkpointEvery);
        assign.set_device(p.device);
        assign.set_job_public_key(jobKeys->publicKey);
        assign.set_job_secret_key(jobKeys->secretKey);
        for (const wire::DataFile& file : dataFiles)
            *assign.add_data_files() = file;
        if (resume) {
            assign.set_resume(true);
            message.payloads.push_back(checkpointBytes);
        }
        m_outbox.push_back(std::move(message));
        (void)m_store->registerWorker(job.run, { int(rank), p.agent, p.device, agent.info.host() });
    }
    const std::string resumeNote =
            resume ? " from step " + std::to_string(job.checkpointStep) : std::string();
    std::string where;
    for (const store::RankPlacement& p : job.placement)
        where += (where.empty() ? "" : ", ") + p.agent + " " + p.device;
    const std::string what = job.attempt == 1 ? "started" : "resumed";
    (void)m_store->addEvent({ 0, job.run, job.startedAt, what, -1,
                              what + resumeNote + " on " + where + " (attempt "
                                      + std::to_string(job.attempt) + ")" });
    note(jobName(job) + " " + what + resumeNote + " on " + where + " (attempt "
         + std::to_string(job.attempt) + ", run " + std::to_string(job.run) + ")");
    return {};
}

void JobControl::sendRendezvous(const JobRecord& job)
{
    wire::Header header;
    header.set_type(wire::RENDEZVOUS);
    wire::Rendezvous& table = *header.mutable_rendezvous();
    table.set_job(job.id);
    table.set_attempt(job.attempt);
    std::set<std::string> agents;
    for (size_t rank = 0; rank < job.placement.size(); ++rank) {
        wire::Peer& peer = *table.add_peers();
        peer.set_rank(int32_t(rank));
        peer.set_endpoint(job.placement[rank].endpoint);
        if (job.placement[rank].ended && job.placement[rank].endpoint.empty())
            table.add_lost_ranks(int32_t(rank));
        else
            agents.insert(job.placement[rank].agent);
    }
    for (const std::string& agent : agents)
        if (auto route = m_routes.find(agent); route != m_routes.end())
            m_outbox.push_back({ route->second, header, {} });
    note(jobName(job) + ": rendezvous of " + std::to_string(job.placement.size()) + " ranks sent");
}

std::vector<Outgoing> JobControl::schedule(const std::vector<AgentState>& agents,
                                           Clock::time_point now)
{
    for (const AgentState& agent : agents)
        if (agent.status == AgentState::Status::Online)
            m_routes[agent.id] = agent.routingId;
    auto active = m_store->jobs(true);
    if (!active) {
        note("cannot read the job queue: " + active.error().message());
        return std::exchange(m_outbox, {});
    }
    std::vector<JobRecord> running;
    for (const JobRecord& job : *active)
        if (job.state == JobState::Running)
            running.push_back(job);
    Placement placement(agents, running);

    const bool graceOver = now - m_startedAt > m_lostAfter;
    std::vector<JobRecord*> waiting;
    for (JobRecord& job : *active) {
        if (job.state == JobState::Running) {
            std::string lost;
            for (size_t r = 0; r < job.placement.size(); ++r) {
                const store::RankPlacement& rank = job.placement[r];
                if (rank.ended || placement.isOnline(rank.agent) || !graceOver)
                    continue;
                if (!goOnWithout(job, r, "agent " + rank.agent + " lost") && lost.empty())
                    lost = rank.agent;
            }
            if (!lost.empty()) {
                if (graceOver)
                    pause(job, "agent " + lost + " lost");
            } else if (job.cancelRequested && m_cancelSent.insert(job.id).second) {
                cancelRanks(job, "cancelled by the user");
                note(jobName(job) + ": asked its agents to cancel it");
            }
            continue;
        }
        if (job.cancelRequested)
            end(job, JobState::Cancelled, "cancelled before it ran");
        else
            waiting.push_back(&job);
    }
    std::stable_sort(waiting.begin(), waiting.end(), [](const JobRecord* a, const JobRecord* b) {
        return a->priority != b->priority ? a->priority > b->priority : a->id < b->id;
    });
    for (JobRecord* job : waiting) {
        auto requested = m_requested.find(job->id);
        if (requested == m_requested.end()) {
            auto spec = pipeline::parsePipeline(job->pipelineJson, jobName(*job), job->baseDir);
            if (!spec) {
                end(*job, JobState::Failed, spec.error().message());
                continue;
            }
            const char* names[] = { "auto", "cpu", "cuda" };
            requested = m_requested.emplace(job->id, names[int(spec->train.device)]).first;
            m_sources[job->id] = sourceFiles(*spec);
        }
        // The data files it offers agents, hashed first (off this thread): until then it waits.
        std::vector<wire::DataFile> dataFiles;
        if (m_deliverData) {
            auto offered = m_data.offer(m_sources[job->id]);
            if (!offered)
                continue;
            dataFiles = std::move(*offered);
        }
        auto ranks = placement.take(job->ranks, requested->second);
        if (!ranks)
            continue; // it does not fit now; smaller jobs behind it may still start
        if (auto started = start(*job, std::move(*ranks), placement, dataFiles); !started)
            note(jobName(*job) + ": cannot start: " + started.error().message());
    }
    return std::exchange(m_outbox, {});
}

void JobControl::agentRegistered(const AgentState& agent)
{
    m_routes[agent.id] = agent.routingId;
    std::set<std::pair<int64_t, int>> stillRunning;
    for (const wire::RunningJob& running : agent.info.running())
        stillRunning.insert({ running.job(), running.attempt() });
    auto active = m_store->jobs(true);
    if (!active)
        return;
    for (JobRecord& job : *active) {
        if (job.state != JobState::Running || stillRunning.count({ job.id, job.attempt }))
            continue;
        for (const store::RankPlacement& rank : job.placement)
            if (rank.agent == agent.id && !rank.ended) {
                pause(job, "agent " + agent.id + " restarted without it");
                break;
            }
    }
}

} // namespace ts::cluster
