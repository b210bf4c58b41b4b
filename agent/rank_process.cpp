#include "agent/rank_process.h"

#include "agent/rank_recorder.h"
#include "cluster/data_roots.h"
#include "pipeline/pipeline_parser.h"
#include "train/pipeline_runner.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace ts::agent {

namespace {

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

} // namespace

int runRankProcess(const RankProcessOptions& options, const std::atomic<bool>& cancel)
{
    const std::filesystem::path dir(options.rankDir);
    wire::Assign assign;
    {
        std::ifstream in(dir / "assign.pb", std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), {});
        if (bytes.empty() || !assign.ParseFromString(bytes)) {
            std::fprintf(stderr, "trainstudio-agent: %s: no readable assignment\n",
                         (dir / "assign.pb").c_str());
            return 2;
        }
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
    if (common::Result confined = cluster::checkPipelinePaths(*spec, options.dataRoots); !confined)
        return fail(confined.error());

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
    RankLog log(recorder);
    auto outcome = train::runPipelineWith(*spec, run, recorder, &log);
    if (!outcome)
        return fail(outcome.error());
    (void)recorder.log(1,
                       "run " + std::to_string(assign.run()) + " "
                               + store::toString(outcome->status) + " after "
                               + std::to_string(outcome->summary.steps) + " steps");
    return 0;
}

} // namespace ts::agent
