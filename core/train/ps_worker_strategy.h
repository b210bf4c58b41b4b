// PsWorkerStrategy: a worker rank of a parameter-server job (dist/parameter_server.h). Before
// every step it holds the servers' weights; after the backward pass it pushes its gradient (the
// mean over its rows; the servers weigh by rows in sync mode) and pulls the weights of the next
// step, which arrive once the servers' consistency rule allows. The trainer's own optimizer is
// not used: the servers run the pipeline's.
//
// @code
//     PsWorkerStrategy worker(plane, { 2 });          // rank 2 serves every key
//     options.strategy = &worker;                     // train/trainer.h
//     options.dataRank = plane.rank();                // among the workers 0 .. 1
//     options.dataRanks = 2;
// @endcode
#pragma once

#include "train/update_strategy.h"

#include <chrono>
#include <memory>
#include <vector>

namespace ts::dist {
class DataPlane;
}

namespace ts::train {

class PsWorkerStrategy final : public UpdateStrategy
{
public:
    PsWorkerStrategy(dist::DataPlane& plane, std::vector<int> serverRanks,
                     std::chrono::milliseconds timeout = std::chrono::seconds(120));
    ~PsWorkerStrategy() override;

    common::Result begin(nn::Sequential& model, nn::Optimizer& optimizer,
                         int64_t firstStep) override;
    common::Result update(const StepInfo& step, const std::function<void()>& applyLocally) override;
    common::Result end() override;
    double communicationSeconds() const override;

    // The version of the weights of the last pull (dist/consistency.h).
    int64_t lastVersion() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ts::train
