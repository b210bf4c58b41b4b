#include "train/parameter_shard.h"

#include "dist/data_plane.h"
#include "dist/parameter_server.h"
#include "dist/ps_client.h"
#include "nn/grad_clip.h"
#include "nn/lr_schedule.h"
#include "nn/sequential.h"

#include <algorithm>

namespace ts::train {

using common::Error;
using common::ErrorKind;
using common::Result;

Result serveParameterShard(dist::DataPlane& plane, nn::Sequential& model,
                           const ShardOptions& options, const std::atomic<bool>* cancel)
{
    const std::vector<nn::Parameter*> all = model.parameters();
    std::vector<size_t> sizes;
    for (const nn::Parameter* p : all)
        sizes.push_back(size_t(p->value.size()));
    auto ranges = dist::partitionKeys(sizes, options.servers);
    TS_TRY(ranges);
    const auto mine = std::find_if(ranges->begin(), ranges->end(), [&](const dist::KeyRange& r) {
        return r.server == plane.rank();
    });
    if (mine == ranges->end())
        return Error(ErrorKind::InvalidInput,
                     "rank " + std::to_string(plane.rank()) + " is not among the servers");
    // The parameters whose keys lie in this server's range (ranges are cut at tensor bounds).
    std::vector<nn::Parameter*> shard;
    std::vector<float> weights;
    size_t offset = 0;
    for (nn::Parameter* p : all) {
        if (offset >= mine->offset && offset < mine->offset + mine->count) {
            shard.push_back(p);
            const std::vector<float> values = p->value.toHost();
            weights.insert(weights.end(), values.begin(), values.end());
        }
        offset += size_t(p->value.size());
    }
    const std::unique_ptr<nn::Optimizer> optimizer = nn::buildOptimizer(options.optimizer, shard);
    const nn::OptimizerSpec& spec = options.optimizer;
    optimizer->setStepCount(options.firstStep);

    const auto apply = [&](std::span<const float> gradient, int64_t step, std::span<float> into) {
        size_t at = 0;
        for (nn::Parameter* p : shard) {
            p->grad.upload(gradient.subspan(at, size_t(p->grad.size())));
            at += size_t(p->grad.size());
        }
        // The schedule follows the step the update belongs to, whichever worker sent it.
        optimizer->setLearningRate(
                nn::learningRateAt(spec.schedule, spec.learningRate, step, options.totalSteps));
        if (spec.clipNorm > 0)
            nn::clipGradientNorm(shard, spec.clipNorm);
        optimizer->step();
        at = 0;
        for (nn::Parameter* p : shard) {
            p->value.backend().download(into.data() + at, p->value.data(), size_t(p->value.size()));
            at += size_t(p->value.size());
        }
    };
    dist::ServerConfig config;
    config.workers = options.workers;
    config.stepsPerEpoch = options.stepsPerEpoch;
    config.firstStep = options.firstStep;
    config.lastStep = options.totalSteps;
    config.consistency = options.consistency;
    config.workerTimeout = options.workerTimeout;
    config.lostWorkers = options.lostWorkers;
    dist::ParameterServer server(plane, config, std::move(weights), apply, options.onApplied);
    return server.run(cancel);
}

} // namespace ts::train
