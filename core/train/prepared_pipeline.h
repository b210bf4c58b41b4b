// Steps 1 to 3 of a run (train/pipeline_runner.h): the data, the backend and the model of a
// pipeline, ready to train. Internal to core/train: the runner and a parameter server's rank
// (train/ps_server_run.cpp) build the same model from the same data this way.
#pragma once

#include "nn/sequential.h"
#include "pipeline/pipeline_spec.h"
#include "tensor/backend_registry.h"
#include "train/data_preparation.h"
#include "train/pipeline_runner.h"

#include <chrono>
#include <memory>

namespace ts::train::detail {

struct Prepared : PreparedData // the data (raw statistics included), scaled by step 2
{
    tensor::BackendSelection selection; // declared before the model, which refers to it
    std::unique_ptr<nn::Sequential> model;
    RunStart start; // everything but the run id, store and checkpoints
};

common::Expected<Prepared> prepare(const pipeline::PipelineSpec& spec, const RunOptions& options);

// Steps 5 and 6 for a stage of a pipeline-parallel job (train/stage_run.cpp): trains this
// rank's layers; the last stage reports the run's losses and evaluation.
common::Expected<RunOutcome> trainStage(const pipeline::PipelineSpec& spec, Prepared& p,
                                        RunRecorder& recorder, const RunOptions& options,
                                        RunListener* listener,
                                        std::chrono::steady_clock::time_point wallStart);

// Steps 5 and 6 for a random forest (train/forest_run.cpp): grows this rank's share of the
// trees; rank 0 (or the only process) merges them, evaluates and finishes the run.
common::Expected<RunOutcome> growForest(const pipeline::PipelineSpec& spec, Prepared& p,
                                        RunRecorder& recorder, const RunOptions& options,
                                        RunListener* listener,
                                        std::chrono::steady_clock::time_point wallStart);

} // namespace ts::train::detail
