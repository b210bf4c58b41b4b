#include "agent/rank_process.h"

#include "agent/rank_recorder.h"
#include "cluster/data_roots.h"
#include "common/file_io.h"
#include "common/heap_tuning.h"
#include "dist/data_plane.h"
#include "pipeline/pipeline_parser.h"
#include "train/allreduce_strategy.h"
#include "train/pipeline_runner.h"
#include "train/ps_worker_strategy.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

namespace ts::agent {

namespace {

// Long enough for a rank on another agent to receive the job's data from the coordinator first
// (agent/data_transfers.h): the table comes once every rank has started. A rank that cannot start
// fails the job, and the coordinator cancels this one, long before.
constexpr std::chrono::seconds RendezvousTimeout { 600 };

// What the job's log shows of the run: its start and each epoch's end.
class RankLog final : public train::RunListener
{
public:
    explicit RankLog(RankRecorder& recorder)
        : m_recorder(recorder)
    {}

    void onStart(const train::RunStart& start) override
    {
        std::string line = "run " + std::to_string(start.runId) + " on " + start.backend + ": "
                + std::to_string(start.trainRows) + " training rows, model " + start.model;
        if (start.resumed)
            line += "; resumed from step " + std::to_string(start.resumeStep);
        (void)m_recorder.log(1, line);
        for (const std::string& warning : start.warnings)
            (void)m_recorder.log(2, warning);
    }
    void onProgress(const train::Progress& p) override
    {
        if (p.stepInEpoch != p.stepsPerEpoch || p.epoch == m_lastEpoch)
            return;
        m_lastEpoch = p.epoch;
        char text[160];
        std::snprintf(text, sizeof text, "epoch %d/%d: step %lld, loss %.4f, %.0f samples/s",
                      p.epoch + 1, p.epochs, static_cast<long long>(p.step), p.loss,
                      p.samplesPerSecond);
        (void)m_recorder.log(1, text);
    }

private:
    RankRecorder& m_recorder;
    int m_lastEpoch = -1;
};

// Binds this rank's data-plane socket, reports it, waits for the table of every rank's, and
// connects to them all.
common::Expected<std::unique_ptr<dist::DataPlane>> joinPeers(const RankProcessOptions& options,
                                                             const wire::Assign& assign,
                                                             RankRecorder& recorder,
                                                             const std::atomic<bool>& cancel)
{
    const auto started = std::chrono::steady_clock::now();
    auto plane = dist::DataPlane::bind(options.dataPlaneHost,
                                       { assign.job_public_key(), assign.job_secret_key() },
                                       assign.rank(), assign.world_size());
    TS_TRY(plane);
    TS_TRY(recorder.endpoint((*plane)->endpoint()));
    const auto table = std::filesystem::path(options.rankDir) / "rendezvous.pb";
    wire::Rendezvous rendezvous;
    for (;;) {
        if (cancel)
            return common::Error(common::ErrorKind::Io, "cancelled before the rendezvous");
        if (std::chrono::steady_clock::now() - started > RendezvousTimeout)
            return common::Error(common::ErrorKind::Io,
                                 "no rendezvous table from the coordinator within "
                                         + std::to_string(RendezvousTimeout.count()) + " s");
        // The agent renames the table into place: a file that is there is whole.
        if (auto bytes = common::readFileBytes(table.string());
            bytes && rendezvous.ParseFromString(*bytes))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::vector<std::string> endpoints(size_t(assign.world_size()));
    for (const wire::Peer& peer : rendezvous.peers())
        if (peer.rank() >= 0 && peer.rank() < assign.world_size())
            endpoints[size_t(peer.rank())] = peer.endpoint();
    TS_TRY((*plane)->connect(endpoints, std::chrono::seconds(60), &cancel));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
    (void)recorder.log(1,
                       "rendezvous: " + std::to_string(assign.world_size())
                               + " ranks reachable over the job's CURVE key in "
                               + std::to_string(ms) + " ms");
    return plane;
}

// What this rank does in its job's strategy (pipeline_spec.h, StrategySpec): the workers train
// data parallel on their part of every global batch; with a parameter server, the last
// `servers` ranks serve.
struct Role
{
    bool serves = false;
    bool forest = false;   // grows its share of a random forest's trees
    bool pipeline = false; // a stage of the network's layers
    std::vector<int> workers;
    std::vector<int> servers; // empty: all-reduce
    std::string description;  // "allreduce, 2 ranks"
};

common::Expected<Role> dataParallelRole(const pipeline::PipelineSpec& spec,
                                        const wire::Assign& assign)
{
    using Kind = pipeline::StrategySpec::Kind;
    const pipeline::StrategySpec& strategy = spec.train.strategy;
    const int world = assign.world_size();
    Role role;
    if (world <= 1) {
        role.workers = { 0 };
        return role;
    }
    if (strategy.kind == Kind::Pipeline) {
        for (int r = 0; r < world; ++r)
            role.workers.push_back(r);
        role.pipeline = true;
        role.description = "pipeline, " + std::to_string(world) + " stages, "
                + std::to_string(strategy.microBatches) + " micro-batches";
        return role;
    }
    if (spec.train.forest) {
        for (int r = 0; r < world; ++r)
            role.workers.push_back(r);
        role.forest = true;
        role.description = "random_forest, trees split over " + std::to_string(world) + " ranks";
        return role;
    }
    if (strategy.kind == Kind::Local)
        return common::Error(common::ErrorKind::InvalidInput,
                             "stages.train.strategy: \"local\" trains in one process; the job has "
                                     + std::to_string(world)
                                     + " ranks (use \"allreduce\" or \"parameter_server\")");
    const int servers = strategy.kind == Kind::ParameterServer ? strategy.servers : 0;
    if (servers >= world)
        return common::Error(common::ErrorKind::InvalidInput,
                             "stages.train.strategy.servers: " + std::to_string(servers)
                                     + " server(s) in a job of " + std::to_string(world)
                                     + " ranks leave no worker");
    for (int r = 0; r < world; ++r)
        (r < world - servers ? role.workers : role.servers).push_back(r);
    role.serves = assign.rank() >= world - servers;
    if (servers == 0) {
        role.description = "allreduce, " + std::to_string(world) + " ranks";
    } else {
        std::string modes;
        for (const dist::ConsistencyPhase& phase : strategy.consistency) {
            modes += modes.empty() ? "" : ", then ";
            modes += dist::toString(phase.mode);
            if (phase.mode == dist::Consistency::BoundedStaleness)
                modes += " s=" + std::to_string(phase.staleness);
            if (phase.fromEpoch > 0)
                modes += " from epoch " + std::to_string(phase.fromEpoch + 1);
        }
        role.description = "parameter_server " + modes + "; " + std::to_string(role.workers.size())
                + " workers, " + std::to_string(servers) + " server(s)";
    }
    return role;
}

} // namespace

int runRankProcess(const RankProcessOptions& options, const std::atomic<bool>& cancel)
{
    common::keepLargeBlocksInHeap(); // the data plane's large messages (common/heap_tuning.h)
    const std::filesystem::path dir(options.rankDir);
    wire::Assign assign;
    if (auto bytes = common::readFileBytes((dir / "assign.pb").string());
        !bytes || bytes->empty() || !assign.ParseFromString(*bytes)) {
        std::fprintf(stderr, "trainstudio-agent: %s: no readable assignment\n",
                     (dir / "assign.pb").c_str());
        return 2;
    }
    auto spool = Spool::open(options.spoolPath);
    if (!spool) {
        std::fprintf(stderr, "trainstudio-agent: %s\n", spool.error().message().c_str());
        return 2;
    }
    RankRecorder recorder(**spool, { assign.job(), assign.attempt(), assign.rank(), assign.run() });
    const auto fail = [&](const common::Error& error) {
        (void)recorder.log(3, error.message());
        (void)recorder.finishRun(assign.run(), store::RunStatus::Failed, error.message());
        return 1;
    };

    const std::string origin = "job " + std::to_string(assign.job());
    auto spec = pipeline::parsePipeline(assign.pipeline_json(), origin, assign.base_dir());
    if (!spec)
        return fail(spec.error());
    // Files the agent received from the coordinator are read from its cache (agent/data_cache.h),
    // which it wrote itself: the cache folder counts as one more data root.
    std::vector<std::string> roots = options.dataRoots;
    for (const wire::DataFile& file : assign.data_files())
        if (!file.local_path().empty()) {
            cluster::replaceSourceFile(*spec, file.path(), file.local_path());
            roots.push_back(std::filesystem::path(file.local_path()).parent_path().string());
        }
    if (common::Result confined = cluster::checkPipelinePaths(*spec, roots); !confined)
        return fail(confined.error());
    std::unique_ptr<dist::DataPlane> plane; // open for the whole run
    if (assign.world_size() > 1) {
        auto joined = joinPeers(options, assign, recorder, cancel);
        if (!joined)
            return fail(joined.error());
        plane = std::move(*joined);
    }
    train::RunOptions run;
    run.cancel = &cancel;
    // The agent made the assigned GPU this process's device 0 (CUDA_VISIBLE_DEVICES).
    if (!assign.device().empty())
        run.device =
                assign.device() == "cpu" ? tensor::DeviceRequest::Cpu : tensor::DeviceRequest::Cuda;
    const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
    (void)recorder.log(1,
                       "rank " + std::to_string(assign.rank()) + " of job "
                               + std::to_string(assign.job()) + " on "
                               + (assign.device().empty() ? "auto" : assign.device())
                               + " (CUDA_VISIBLE_DEVICES=" + (visible ? visible : "") + ")");
    run.worker = assign.rank();
    run.checkpointEvery = assign.checkpoint_every();
    run.checkpointPath = (dir / "checkpoint.tsckpt").string();
    if (assign.resume())
        run.resumeCheckpoint = (dir / "resume.tsckpt").string();
    // The job's strategy: this rank's role in it (a server serves instead of training).
    auto role = dataParallelRole(*spec, assign);
    if (!role)
        return fail(role.error());
    std::unique_ptr<train::UpdateStrategy> strategy;
    if (plane && role->serves) {
        (void)recorder.log(1, "rank " + std::to_string(assign.rank()) + ": " + role->description);
        train::ServerRole server { role->workers, role->servers, assign.run() };
        // The coordinator rewrites the rendezvous table with the workers the job goes on
        // without (an async job): the server stops waiting for them.
        server.lostWorkers = [table = dir / "rendezvous.pb", &recorder,
                              logged = std::make_shared<std::set<int>>()] {
            wire::Rendezvous rendezvous;
            std::vector<int> lost;
            if (auto bytes = common::readFileBytes(table.string());
                bytes && rendezvous.ParseFromString(*bytes))
                lost.assign(rendezvous.lost_ranks().begin(), rendezvous.lost_ranks().end());
            for (int rank : lost)
                if (logged->insert(rank).second)
                    (void)recorder.log(2,
                                       "worker rank " + std::to_string(rank)
                                               + " was lost: the servers go on without it");
            return lost;
        };
        if (common::Result served = train::serveParameters(*spec, run, recorder, *plane, server);
            !served)
            return fail(served.error());
        (void)recorder.finishRun(assign.run(), store::RunStatus::Finished, {});
        (void)recorder.log(1,
                           "parameter server rank " + std::to_string(assign.rank())
                                   + ": every worker is done");
        return 0;
    }
    if (plane && (role->forest || role->pipeline)) {
        run.plane = plane.get();
        run.pipelineStages = role->pipeline;
        run.strategyName = role->description;
        // A stage holds part of the network: its checkpoints could not resume the others.
        if (role->pipeline)
            run.checkpointEvery = 0;
    } else if (plane) {
        if (role->servers.empty())
            strategy = std::make_unique<train::AllReduceStrategy>(*plane);
        else
            strategy = std::make_unique<train::PsWorkerStrategy>(*plane, role->servers);
        run.strategy = strategy.get();
        run.dataRank = assign.rank();
        run.dataRanks = int(role->workers.size());
        run.strategyName = role->description;
    }
    RankLog log(recorder);
    auto outcome = train::runPipelineWith(*spec, run, recorder, &log);
    if (!outcome)
        return fail(outcome.error());
    if (auto* allReduce = dynamic_cast<train::AllReduceStrategy*>(strategy.get()))
        (void)recorder.log(1, "gradients summed by " + allReduce->path());
    (void)recorder.log(1,
                       "run " + std::to_string(assign.run()) + " "
                               + store::toString(outcome->status) + " after "
                               + std::to_string(outcome->summary.steps) + " steps");
    return 0;
}

} // namespace ts::agent
