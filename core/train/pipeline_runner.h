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
#pragma once

#include "common/result.h"
#include "pipeline/pipeline_spec.h"
#include "store/experiment_store.h"
#include "train/metric_sink.h"
#include "train/trainer.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

namespace ts::train {

struct RunOptions
{
    std::string storePath;                       // empty: ExperimentStore::defaultPath()
    std::optional<tensor::DeviceRequest> device; // overrides train.device
    std::optional<int> threads;                  // overrides train.threads
    const std::atomic<bool>* cancel = nullptr;   // set by a signal handler to stop cleanly
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

common::Expected<RunOutcome> runPipeline(const pipeline::PipelineSpec& spec,
                                         const RunOptions& options, RunListener* listener);

} // namespace ts::train
