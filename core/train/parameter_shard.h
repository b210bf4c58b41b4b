// serveParameterShard: a server rank of a parameter-server job, in terms of the model: it holds
// the parameters of its key range (dist/ps_client.h, partitionKeys) of a model built exactly as
// the workers build theirs (same spec, same seed, or restored from the job's checkpoint), runs
// the pipeline's optimizer over them -- learning-rate schedule by step, clipping, the update rule
// -- and serves them with dist::ParameterServer until every worker is done.
#pragma once

#include "common/result.h"
#include "dist/consistency.h"
#include "nn/optimizer_factory.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

namespace ts::dist {
class DataPlane;
}
namespace ts::nn {
class Sequential;
}

namespace ts::train {

struct ShardOptions
{
    std::vector<int> workers; // ranks
    std::vector<int> servers; // ranks, this one among them; key ranges in this order
    int64_t stepsPerEpoch = 1;
    int64_t totalSteps = 1; // for the learning-rate schedule
    int64_t firstStep = 0;
    std::vector<dist::ConsistencyPhase> consistency { dist::ConsistencyPhase {} };
    nn::OptimizerSpec optimizer;
    std::chrono::milliseconds workerTimeout { 0 };
    // After every applied push (the worker, its step, the staleness). Optional.
    std::function<void(int worker, int64_t step, int64_t staleness)> onApplied {};
    // The workers the job goes on without (dist::ServerConfig::lostWorkers). Optional.
    std::function<std::vector<int>()> lostWorkers {};
};

// Serves `model`'s parameters of this rank's key range; they hold the final weights after.
common::Result serveParameterShard(dist::DataPlane& plane, nn::Sequential& model,
                                   const ShardOptions& options, const std::atomic<bool>* cancel);

} // namespace ts::train
