// Running a pipeline end to end on this machine: the facade the CLI (and later the studio and
// the agents) call.
//
// The steps, in the order that keeps the store clean:
//  1. read the train and test data and check they fit together (bad input fails here, before
//     the store is touched, so a failed start leaves no half-made run behind);
//  2. fit the prep scaling on the training split, apply it to both;
//  3. choose the backend (the pipeline's device, or the override);
//  4. open the store and create the run with its parameters;
//  5. train, streaming metrics into the store in batches; evaluate after each epoch;
//  6. mark the run finished, cancelled or failed (with the reason).
//
// With checkpointEvery > 0 the trainer keeps the latest checkpoint of run N in
// "<store folder>/checkpoints/run-<N>.tsckpt" (a store elsewhere keeps its own). Resuming run N
// (resumePipeline) reads the run's stored pipeline and its checkpoint, rebuilds the data and the
// model exactly as the run did, and continues the same run id from the checkpoint: the run is
// "running" again and its metrics keep flowing into it. Points between the checkpoint and the
// interruption that were stored before are written again with the same values, which the store
// ignores (points are keyed by run, name, worker and step). A run that finished is not resumed;
// one still "running" is (its process was killed), so resume a run only once it has stopped.
#pragma once

#include "common/result.h"
#include "pipeline/pipeline_spec.h"
#include "store/experiment_store.h"
#include "train/metric_sink.h"
#include "train/run_recorder.h"
#include "train/trainer.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ts::dist {
class DataPlane;
}

namespace ts::train {

struct RunOptions
{
    std::string storePath;                       // empty: ExperimentStore::defaultPath()
    std::optional<tensor::DeviceRequest> device; // overrides train.device
    std::optional<int> threads;                  // overrides train.threads
    const std::atomic<bool>* cancel = nullptr;   // set by a signal handler to stop cleanly
    int64_t checkpointEvery = 0;                 // steps between checkpoints; 0 = none
    std::optional<int64_t> resumeRun;            // the run resumePipeline continues
    // A job's rank on an agent (runPipelineWith): the file its checkpoints replace, the
    // checkpoint it continues from (empty: from the start), and the rank its points are of.
    std::string checkpointPath;
    std::string resumeCheckpoint;
    int worker = 0;
    // A data-parallel job's worker rank: its part of every global batch (data/batcher.h) and the
    // strategy that exchanges its gradients (train/update_strategy.h), described for the run's
    // parameters by `strategyName` ("allreduce, 2 ranks").
    UpdateStrategy* strategy = nullptr;
    int dataRank = 0;
    int dataRanks = 1;
    std::string strategyName;
    // A random forest's job: the ranks' data plane, over which they send their trees to rank 0.
    // A pipeline job's: the stages' (train/pipeline_stage.h), with pipelineStages set.
    dist::DataPlane* plane = nullptr;
    bool pipelineStages = false;
};

struct RunStart
{
    int64_t runId = 0;
    std::string storePath;
    std::string backend;     // backend->name()
    std::string backendNote; // why CUDA was not used, when it was not
    int64_t trainRows = 0;
    int64_t testRows = 0;
    int64_t features = 0;
    int64_t classes = 0;
    std::string model; // "dense1(784->256) relu1 ..."
    int64_t parameters = 0;
    std::string checkpointPath {}; // empty without checkpoints
    int64_t checkpointEvery = 0;
    bool resumed = false;
    int64_t resumeStep = 0;            // the global step a resumed run continues from
    std::vector<std::string> warnings; // from the data preparation, for the user to read
    std::string strategy;              // RunOptions::strategyName; empty for one process
};

struct RunOutcome
{
    RunStart start;
    store::RunStatus status = store::RunStatus::Finished;
    TrainSummary summary;
    double seconds = 0; // wall time of the whole run, data loading included
};

// Receives the run's start and progress, for displays.
class RunListener
{
public:
    virtual ~RunListener() = default;
    virtual void onStart(const RunStart&) {}
    virtual void onProgress(const Progress&) {}
};

// Where the checkpoints of the runs of the store at `storePath` are kept: its folder's
// "checkpoints" folder, one file per run ("run-12.tsckpt"). A coordinator keeps the checkpoints
// its agents send there too, so a job resumes from the same file a local resume would read.
std::string checkpointFolder(const std::string& storePath);
std::string checkpointPathOf(const std::string& storePath, int64_t run);

// Starts a new run of `spec` (options.resumeRun is not read). Input errors come before the
// store is touched; a failure during training marks the run failed and returns the reason.
common::Expected<RunOutcome> runPipeline(const pipeline::PipelineSpec& spec,
                                         const RunOptions& options, RunListener* listener);

// Runs `spec` with its records going to `recorder` instead of a store: a job's rank on an agent
// (agent/rank_runner.h). With options.resumeCheckpoint the run continues from that checkpoint
// (recorder.reopenRun) instead of starting; checkpoints go to options.checkpointPath every
// options.checkpointEvery steps and are announced to recorder.checkpointSaved.
common::Expected<RunOutcome> runPipelineWith(const pipeline::PipelineSpec& spec,
                                             const RunOptions& options, RunRecorder& recorder,
                                             RunListener* listener);

// A server rank of a parameter-server job (train/ps_server_run.cpp): reads the data and builds
// the model exactly as the workers do (or takes the weights of options.resumeCheckpoint), serves
// its key range of it (train/parameter_shard.h) on `plane` until every worker is done, and
// records the staleness of the updates it applied, per worker, into run `run` (once per epoch
// of updates and at the end). The run itself is the workers' to create and finish.
struct ServerRole
{
    std::vector<int> workers;
    std::vector<int> servers;
    int64_t run = 0;
    std::function<std::vector<int>()> lostWorkers {}; // train/parameter_shard.h; optional
};
common::Result serveParameters(const pipeline::PipelineSpec& spec, const RunOptions& options,
                               RunRecorder& recorder, dist::DataPlane& plane,
                               const ServerRole& role);

// Continues run *options.resumeRun from its checkpoint, with the checkpoint interval the run was
// started with (options.checkpointEvery is ignored); device and threads overrides apply.
// Errors before training leave the run as it was: NotFound for a store or run that does not
// exist or a run without a checkpoint; InvalidInput for a finished run or a checkpoint that does
// not belong to the run's pipeline; those of loadCheckpoint and of reading the data. Later ones
// (a checkpoint that does not fit changed data files) mark the run failed, as for a new run.
common::Expected<RunOutcome> resumePipeline(const RunOptions& options, RunListener* listener);

} // namespace ts::train
