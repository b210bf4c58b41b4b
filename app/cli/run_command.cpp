#include "run_command.h"

#include "cli_common.h"
#include "pipeline/pipeline_parser.h"
#include "progress_bar.h"
#include "train/pipeline_runner.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>

namespace ts::cli {

namespace {

std::atomic<bool> g_interrupted { false };

extern "C" void onInterrupt(int)
{
    g_interrupted.store(true);
}

struct RunArgs
{
    std::string pipeline; // empty with --resume
    int64_t resume = 0;   // the run to resume; 0: a new run of `pipeline`
    int64_t checkpointEvery = 0;
    std::string store;
    std::string device;
    int threads = -1;
    bool json = false;
};

// Prints what the user needs to know while the run goes on (stderr; stdout stays for results).
class ConsoleListener final : public train::RunListener
{
public:
    explicit ConsoleListener(bool quiet)
        : m_quiet(quiet)
    {}

    void onStart(const train::RunStart& s) override
    {
        if (m_quiet)
            return;
        std::fprintf(stderr, "Compute: %s\n", s.backend.c_str());
        if (!s.backendNote.empty())
            std::fprintf(stderr, "         %s; using the CPU\n", s.backendNote.c_str());
        for (const std::string& warning : s.warnings)
            std::fprintf(stderr, "Warning: %s\n", warning.c_str());
        std::fprintf(stderr,
                     "Data:    %lld training rows, %lld test rows, %lld features, "
                     "%lld classes\n",
                     (long long)s.trainRows, (long long)s.testRows, (long long)s.features,
                     (long long)s.classes);
        std::fprintf(stderr, "Model:   %s, %s parameters\n", s.model.c_str(),
                     ProgressBar::formatRate(double(s.parameters)).c_str());
        if (s.resumed)
            std::fprintf(stderr, "Run %lld resumed at step %lld in %s\n", (long long)s.runId,
                         (long long)s.resumeStep, s.storePath.c_str());
        else
            std::fprintf(stderr, "Run %lld started in %s\n", (long long)s.runId,
                         s.storePath.c_str());
        if (s.checkpointEvery > 0)
            std::fprintf(stderr, "Checkpoints: every %lld steps to %s\n",
                         (long long)s.checkpointEvery, s.checkpointPath.c_str());
    }

    void onProgress(const train::Progress& p) override
    {
        if (!m_quiet)
            m_bar.update(p);
    }

    void finish() { m_bar.finish(); }

private:
    bool m_quiet;
    ProgressBar m_bar;
};

int printOutcome(const train::RunOutcome& o, bool json)
{
    const auto& s = o.summary;
    if (json) {
        nlohmann::json out = {
            { "run_id", o.start.runId },
            { "store", o.start.storePath },
            { "status", store::toString(o.status) },
            { "backend", o.start.backend },
            { "epochs", s.epochsDone },
            { "steps", s.steps },
            { "samples_per_second", s.samplesPerSecond },
            { "train_seconds", s.trainSeconds },
            { "seconds", o.seconds },
            { "metrics", { { "train_loss", s.lastTrainLoss } } },
            { "warnings", o.start.warnings },
        };
        if (!o.start.checkpointPath.empty())
            out["checkpoint"] = o.start.checkpointPath;
        if (o.start.resumed)
            out["resumed_at_step"] = o.start.resumeStep;
        if (s.test.rows > 0) {
            out["metrics"]["test_accuracy"] = s.test.accuracy;
            out["metrics"]["test_loss"] = s.test.loss;
        }
        std::printf("%s\n", out.dump().c_str());
    } else {
        if (s.test.rows > 0)
            std::printf("Test accuracy %.4f, test loss %.4f (%lld test rows)\n", s.test.accuracy,
                        s.test.loss, (long long)s.test.rows);
        if (o.start.model.rfind("random_forest", 0) == 0)
            std::printf("Grew %lld trees in %s (%s rows/s through them); whole run %.1f s\n",
                        (long long)s.steps, ProgressBar::formatDuration(s.trainSeconds).c_str(),
                        ProgressBar::formatRate(s.samplesPerSecond).c_str(), o.seconds);
        else
            std::printf("Trained %d epoch%s, %lld steps in %s (%s samples/s); whole run %.1f s\n",
                        s.epochsDone, s.epochsDone == 1 ? "" : "s", (long long)s.steps,
                        ProgressBar::formatDuration(s.trainSeconds).c_str(),
                        ProgressBar::formatRate(s.samplesPerSecond).c_str(), o.seconds);
        std::printf("Run %lld %s, stored in %s\n", (long long)o.start.runId,
                    store::toString(o.status).c_str(), o.start.storePath.c_str());
        std::printf("Open it in the studio:  trainstudio --store %s --run %lld\n",
                    o.start.storePath.c_str(), (long long)o.start.runId);
        if (o.status == store::RunStatus::Cancelled && !o.start.checkpointPath.empty())
            std::printf("Continue it:            trainstudio-cli run --resume %lld --store %s\n",
                        (long long)o.start.runId, o.start.storePath.c_str());
    }
    return o.status == store::RunStatus::Cancelled ? ExitCancelled : ExitOk;
}

int execute(const RunArgs& args)
{
    std::optional<pipeline::PipelineSpec> spec;
    train::RunOptions options;
    if (args.resume > 0) {
        options.resumeRun = args.resume;
    } else {
        auto loaded = pipeline::loadPipeline(args.pipeline);
        if (!loaded)
            return reportError(loaded.error());
        spec = std::move(*loaded);
    }
    options.checkpointEvery = args.checkpointEvery;
    options.storePath = args.store;
    if (!args.device.empty())
        options.device = tensor::deviceRequestFromName(args.device);
    if (args.threads >= 0)
        options.threads = args.threads;
    options.cancel = &g_interrupted;
    // Ctrl-C stops at the next step and the run is stored as cancelled, not left "running".
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    ConsoleListener listener(args.json);
    auto outcome = spec ? train::runPipeline(*spec, options, &listener)
                        : train::resumePipeline(options, &listener);
    listener.finish();
    if (!outcome)
        return reportError(outcome.error());
    return printOutcome(*outcome, args.json);
}

} // namespace

void addRunCommand(CLI::App& app, int& exitCode)
{
    auto args = std::make_shared<RunArgs>();
    CLI::App* run = app.add_subcommand("run", "Train a pipeline on this machine and store the run");
    auto* pipelineFile =
            run->add_option("pipeline", args->pipeline, "Pipeline file (JSON); not with --resume");
    auto* resume = run->add_option("--resume", args->resume,
                                   "Continue the interrupted run RUN_ID from its last checkpoint "
                                   "(same store)")
                           ->type_name("RUN_ID")
                           ->check(CLI::PositiveNumber);
    pipelineFile->excludes(resume);
    run->add_option("--checkpoint-every", args->checkpointEvery,
                    "Save a checkpoint every N steps (and after every epoch) so the run can be "
                    "resumed; 0: none")
            ->type_name("N")
            ->check(CLI::NonNegativeNumber)
            ->excludes(resume);
    addStoreOption(*run, args->store);
    run->add_option("--device", args->device, "Override the pipeline's device")
            ->check(CLI::IsMember(tensor::deviceNames()));
    run->add_option("--threads", args->threads, "CPU threads (0: all cores)")
            ->check(CLI::Range(0, 1024));
    run->add_flag("--json", args->json, "Print one JSON object with the results (for scripts)");
    run->callback([args, &exitCode, pipelineFile, resume] {
        if (pipelineFile->count() == 0 && resume->count() == 0)
            throw CLI::RequiredError("A pipeline file or --resume RUN_ID");
        exitCode = execute(*args);
    });
}

} // namespace ts::cli
