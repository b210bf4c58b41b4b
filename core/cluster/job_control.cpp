#include "cluster/job_control.h"

#include "pipeline/pipeline_parser.h"
#include "train/pipeline_runner.h" // for checkpointPathOf

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

namespace ts::cluster {

using common::Error;
using common::ErrorKind;
using store::JobRecord;
using store::JobState;

namespace {

double unixNow()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();
}

std::string jobName(const JobRecord& job)
{
    return "job " + std::to_string(job.id);
}

// Log lines the coordinator adds to a job's log are numbered above any line a rank numbers.
constexpr int64_t CoordinatorLines = int64_t(1) << 40;

// Writes `bytes` to `path` through a temporary file renamed into place: a reader sees the old
// checkpoint or the new one, never a part.
common::Result writeAtomically(const std::string& path, std::string_view bytes)
{
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    const std::string part = path + ".part";
    {
        std::ofstream out(part, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), std::streamsize(bytes.size()));
        out.flush();
        if (!out)
            return Error(ErrorKind::Io, part + ": cannot write the checkpoint");
    }
    std::filesystem::rename(part, path, ec);
    if (ec)
        return Error(ErrorKind::Io, path + ": cannot store the checkpoint: " + ec.message());
    return {};
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

data::DatasetStats statsOf(const wire::DatasetStats& wire)
{
    data::DatasetStats stats;
    stats.rows = wire.rows();
    stats.labelCounts.assign(wire.label_counts().begin(), wire.label_counts().end());
    for (const wire::FeatureStats& f : wire.features()) {
        data::FeatureStats s;
        s.name = f.name();
        s.count = f.count();
        s.missing = f.missing();
        s.mean = f.mean();
        s.stddev = f.stddev();
        s.min = f.min();
        s.max = f.max();
        s.quantiles.assign(f.quantiles().begin(), f.quantiles().end());
        s.binEdges.assign(f.bin_edges().begin(), f.bin_edges().end());
        s.binCounts.assign(f.bin_counts().begin(), f.bin_counts().end());
        s.categories.assign(f.categories().begin(), f.categories().end());
        stats.features.push_back(std::move(s));
    }
    return stats;
}

} // namespace

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

void JobControl::end(JobRecord& job, JobState state, const std::string& message)
{
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
    job.state = JobState::Paused;
    job.message = why
            + (job.checkpointStep >= 0 ? "; resumes from step " + std::to_string(job.checkpointStep)
                                       : "; starts again (no checkpoint)");
    if (auto saved = m_store->saveJob(job); !saved)
        note(saved.error().message());
    if (job.run != 0)
        (void)m_store->addEvent({ 0, job.run, unixNow(), "worker_lost", 0, job.message });
    note(jobName(job) + " paused: " + job.message);
}

common::Result JobControl::start(JobRecord& job, const AgentState& agent, const std::string& device,
                                 std::vector<Outgoing>& out)
{
    if (job.run == 0) {
        auto run = m_store->createRun({ job.experiment, job.name, job.pipelineJson, "", {} });
        TS_TRY(run);
        job.run = *run;
    }
    Outgoing message { agent.routingId, {}, {} };
    message.header.set_type(wire::ASSIGN);
    wire::Assign& assign = *message.header.mutable_assign();
    assign.set_pipeline_json(job.pipelineJson);
    assign.set_world_size(1);
    assign.set_run(job.run);
    assign.set_job(job.id);
    assign.set_attempt(job.attempt + 1);
    assign.set_rank(0);
    assign.set_base_dir(job.baseDir);
    assign.set_checkpoint_every(job.checkpointEvery);
    assign.set_device(device);
    const std::string checkpoint = train::checkpointPathOf(m_store->path(), job.run);
    std::string resumeNote;
    if (job.checkpointStep >= 0 && std::filesystem::exists(checkpoint)) {
        assign.set_resume(true);
        message.payloads.push_back(readFile(checkpoint));
        resumeNote = " from step " + std::to_string(job.checkpointStep);
    }
    job.attempt += 1;
    job.state = JobState::Running;
    job.agent = agent.id;
    job.device = device;
    job.startedAt = unixNow();
    job.message.clear();
    TS_TRY(m_store->saveJob(job));
    (void)m_store->registerWorker(job.run, { 0, agent.id, device, agent.info.host() });
    const std::string what = job.attempt == 1 ? "started" : "resumed";
    (void)m_store->addEvent({ 0, job.run, job.startedAt, what, -1,
                              what + resumeNote + " on agent " + agent.id + " (attempt "
                                      + std::to_string(job.attempt) + ")" });
    note(jobName(job) + " " + what + resumeNote + " on " + agent.id + " " + device + " (attempt "
         + std::to_string(job.attempt) + ", run " + std::to_string(job.run) + ")");
    out.push_back(std::move(message));
    return {};
}

namespace {

// What an online agent has free for our jobs.
struct Capacity
{
    const AgentState* agent = nullptr;
    int64_t cpuSlots = 0;
    std::vector<int> gpus; // indices of free GPUs
};

// The agent with the most free devices of the kind, or null.
Capacity* freest(std::map<std::string, Capacity>& agents, bool gpu)
{
    Capacity* best = nullptr;
    for (auto& [id, c] : agents) {
        const int64_t free = gpu ? int64_t(c.gpus.size()) : c.cpuSlots;
        const int64_t bestFree = !best ? 0 : gpu ? int64_t(best->gpus.size()) : best->cpuSlots;
        if (free > bestFree)
            best = &c;
    }
    return best;
}

} // namespace

std::vector<Outgoing> JobControl::schedule(const std::vector<AgentState>& agents,
                                           Clock::time_point now)
{
    std::vector<Outgoing> out;
    auto active = m_store->jobs(true);
    if (!active) {
        note("cannot read the job queue: " + active.error().message());
        return out;
    }
    std::map<std::string, Capacity> online;
    for (const AgentState& agent : agents)
        if (agent.status == AgentState::Status::Online)
            online[agent.id] = { &agent, std::max<int64_t>(agent.info.cpu_slots(), 1), {} };
    std::map<std::string, std::set<int>> gpusInUse;
    for (const JobRecord& job : *active)
        if (job.state == JobState::Running && job.device.rfind("cuda:", 0) == 0)
            gpusInUse[job.agent].insert(std::atoi(job.device.c_str() + 5));
    for (auto& [id, c] : online)
        for (int g = 0; g < c.agent->info.gpus_size(); ++g)
            if (!gpusInUse[id].count(g) && c.agent->info.gpus(g).memory_free() >= MinFreeGpuBytes)
                c.gpus.push_back(g);

    const bool graceOver = now - m_startedAt > m_lostAfter;
    std::vector<JobRecord*> waiting;
    for (JobRecord& job : *active) {
        if (job.state == JobState::Running) {
            auto agent = online.find(job.agent);
            if (agent == online.end()) {
                if (graceOver)
                    pause(job, "agent " + job.agent + " lost");
                continue;
            }
            if (job.device.rfind("cuda:", 0) != 0)
                --agent->second.cpuSlots;
            if (job.cancelRequested && m_cancelSent.insert(job.id).second) {
                Outgoing cancel { agent->second.agent->routingId, {}, {} };
                cancel.header.set_type(wire::CANCEL);
                cancel.header.mutable_cancel()->set_job(job.id);
                cancel.header.mutable_cancel()->set_reason("cancelled by the user");
                out.push_back(std::move(cancel));
                note(jobName(job) + ": asked " + job.agent + " to cancel it");
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
        }
        const std::string& kind = requested->second;
        Capacity* target = kind != "cpu" ? freest(online, true) : nullptr;
        std::string device;
        if (target) {
            device = "cuda:" + std::to_string(target->gpus.front());
        } else if (kind != "cuda") {
            target = freest(online, false);
            device = "cpu";
        }
        if (!target)
            continue; // nothing fits it now; smaller jobs behind it may still start
        if (auto started = start(*job, *target->agent, device, out); !started) {
            note(jobName(*job) + ": cannot start: " + started.error().message());
            continue;
        }
        if (device == "cpu")
            --target->cpuSlots;
        else
            target->gpus.erase(target->gpus.begin());
    }
    return out;
}

void JobControl::agentRegistered(const AgentState& agent)
{
    std::set<int64_t> stillRunning;
    for (const wire::RunningJob& running : agent.info.running())
        stillRunning.insert(running.job());
    auto active = m_store->jobs(true);
    if (!active)
        return;
    for (JobRecord& job : *active)
        if (job.state == JobState::Running && job.agent == agent.id && !stillRunning.count(job.id))
            pause(job, "agent " + agent.id + " restarted without it");
}

common::Result JobControl::applyOne(JobRecord& job, const std::string& agentId,
                                    const wire::Record& record,
                                    std::span<const std::string_view> payloads)
{
    const bool current = record.attempt() == job.attempt && job.state == JobState::Running
            && job.agent == agentId;
    const int64_t run = job.run;
    switch (record.kind_case()) {
    case wire::Record::kDescribe: {
        std::vector<std::pair<std::string, std::string>> params;
        for (const wire::Param& p : record.describe().params())
            params.emplace_back(p.key(), p.value());
        return m_store->describeRun(run, record.describe().backend(), params);
    }
    case wire::Record::kStats:
        return m_store->saveDatasetStats(run, record.stats().split(), statsOf(record.stats()));
    case wire::Record::kFittedPrep:
        return m_store->saveFittedPrep(run, record.fitted_prep());
    case wire::Record::kReopen:
        return {}; // the coordinator set the run running when it started the attempt
    case wire::Record::kMetrics: {
        std::vector<store::MetricPoint> points;
        points.reserve(size_t(record.metrics().points_size()));
        for (const wire::MetricPoint& p : record.metrics().points())
            points.push_back({ run, p.name(), p.worker(), p.step(), p.value(), p.wall_time() });
        return m_store->appendMetrics(points);
    }
    case wire::Record::kConfusion: {
        const auto& m = record.confusion();
        if (m.classes() <= 0 || m.counts_size() != m.classes() * m.classes())
            return {}; // malformed: dropped (the codec checked the frame, not the matrix)
        std::vector<int64_t> counts(m.counts().begin(), m.counts().end());
        return m_store->saveConfusionMatrix(run, m.step(), m.classes(), counts);
    }
    case wire::Record::kCheckpoint: {
        if (!current || record.checkpoint().step() <= job.checkpointStep)
            return {};
        TS_TRY(writeAtomically(train::checkpointPathOf(m_store->path(), run),
                               payloads[record.checkpoint().payload()]));
        job.checkpointStep = record.checkpoint().step();
        return m_store->saveJob(job);
    }
    case wire::Record::kEnd: {
        if (!current)
            return {};
        const std::string& status = record.end().status();
        end(job,
            status == "finished"            ? JobState::Finished
                    : status == "cancelled" ? JobState::Cancelled
                                            : JobState::Failed,
            record.end().error());
        return {};
    }
    case wire::Record::kLog: {
        const wire::Log& l = record.log();
        return m_store->appendJobLog(
                { 0, job.id, record.attempt(), l.line(), l.time(), l.level(), l.text() });
    }
    case wire::Record::kExit: {
        const wire::RankExit& e = record.exit();
        const std::string what = "rank " + std::to_string(record.rank()) + " exited"
                + (e.exit_code() < 0 ? " on signal " + std::to_string(-e.exit_code())
                                     : " with code " + std::to_string(e.exit_code()))
                + (e.message().empty() ? "" : ": " + e.message());
        TS_TRY(m_store->appendJobLog({ 0, job.id, record.attempt(),
                                       CoordinatorLines + record.rank(), unixNow(),
                                       e.exit_code() == 0 ? 1 : 3, what }));
        if (current) // it ended without saying how: a crash
            end(job, JobState::Failed, what);
        return {};
    }
    case wire::Record::KIND_NOT_SET:
        break;
    }
    return {};
}

common::Result JobControl::apply(const std::string& agentId, const wire::Records& records,
                                 std::span<const std::string_view> payloads)
{
    std::map<int64_t, JobRecord> jobs; // read once per batch, updated as records apply
    for (const wire::Record& record : records.records()) {
        auto found = jobs.find(record.job());
        if (found == jobs.end()) {
            auto job = m_store->job(record.job());
            if (!job && job.error().kind() == ErrorKind::NotFound)
                continue; // a job deleted from the store: nothing to keep
            TS_TRY(job);
            found = jobs.emplace(record.job(), std::move(*job)).first;
        }
        if (found->second.run == 0 || record.run() != found->second.run)
            continue; // not a run this coordinator started for the job
        if (auto applied = applyOne(found->second, agentId, record, payloads); !applied)
            return std::move(applied).error().wrap("storing record "
                                                   + std::to_string(record.sequence()) + " of "
                                                   + jobName(found->second) + " from " + agentId);
    }
    return {};
}

} // namespace ts::cluster
