// serveParameters (train/pipeline_runner.h): a parameter server's rank of a job.
#include "data/batcher.h"
#include "nn/checkpoint.h"
#include "train/parameter_shard.h"
#include "train/pipeline_runner.h"
#include "train/prepared_pipeline.h"

#include <map>

namespace ts::train {

common::Result serveParameters(const pipeline::PipelineSpec& spec, const RunOptions& options,
                               RunRecorder& recorder, dist::DataPlane& plane,
                               const ServerRole& role)
{
    // The same data and model as the workers': the number of steps per epoch follows from the
    // training rows, the initial weights from the seed.
    auto prepared = detail::prepare(spec, options);
    TS_TRY(prepared);
    nn::Sequential& model = *prepared->model;
    int64_t firstStep = 0;
    if (!options.resumeCheckpoint.empty()) {
        auto checkpoint = nn::loadCheckpoint(options.resumeCheckpoint);
        if (!checkpoint)
            return std::move(checkpoint).error().wrap("resuming " + spec.origin);
        if (common::Result restored =
                    nn::restoreTensors(checkpoint->parameters, nn::parametersOf(model));
            !restored)
            return std::move(restored).error().wrap("resuming " + spec.origin + ": parameters");
        firstStep = checkpoint->globalStep;
    }
    data::Batcher batcher(prepared->train, spec.train.batchSize, spec.train.seed);
    batcher.setSlice(0, int(role.workers.size()));

    ShardOptions shard;
    shard.workers = role.workers;
    shard.servers = role.servers;
    shard.stepsPerEpoch = batcher.batchCount();
    shard.totalSteps = shard.stepsPerEpoch * spec.train.epochs;
    shard.firstStep = firstStep;
    shard.consistency = spec.train.strategy.consistency;
    shard.optimizer = spec.train.optimizer;
    shard.lostWorkers = role.lostWorkers;
    // The staleness of the applied updates goes to the store once per epoch's worth of them.
    std::map<int, std::vector<int64_t>> pending;
    int64_t applied = 0;
    common::Result recorded;
    const auto flush = [&] {
        for (auto& [worker, values] : pending)
            if (!values.empty() && recorded) {
                recorded = recorder.recordStaleness(role.run, worker, values);
                values.clear();
            }
    };
    shard.onApplied = [&](int worker, int64_t, int64_t staleness) {
        pending[worker].push_back(staleness);
        if (++applied % std::max<int64_t>(shard.stepsPerEpoch, 1) == 0)
            flush();
    };
    common::Result served = serveParameterShard(plane, model, shard, options.cancel);
    flush();
    TS_TRY(served);
    return recorded;
}

} // namespace ts::train
