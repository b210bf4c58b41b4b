// UpdateStrategy: how the gradients of one rank's backward pass become the model's update -- the
// seam between the trainer's loop (train/trainer.h) and the distributed strategies (DESIGN.md,
// Strategies).
//
//  - none (one process): the trainer's optimizer applies the gradients;
//  - all-reduce (train/allreduce_strategy.h): the ranks sum their gradients, every rank applies
//    the same update with its own optimizer, and the models stay identical;
//  - parameter server (train/ps_worker_strategy.h): the rank pushes its gradients to the server
//    ranks, which own the optimizer, and pulls the weights they computed.
//
// Every rank of a data-parallel job takes its part of each global batch (data/batcher.h,
// setSlice), so a strategy weighs a rank's gradient, the mean over its `rows`, by
// rows / globalRows: the weighted sum over the ranks is the gradient of the global batch.
//
// THREAD SAFETY: the training thread calls it; a strategy may run its own communication thread.
#pragma once

#include "common/result.h"

#include <cstdint>
#include <functional>

namespace ts::nn {
class Optimizer;
class Sequential;
} // namespace ts::nn

namespace ts::train {

struct StepInfo
{
    int64_t step = 0; // the global step this update makes (0 for the first)
    int epoch = 0;
    int64_t rows = 0;       // this rank's rows of the batch
    int64_t globalRows = 0; // every rank's
};

class UpdateStrategy
{
public:
    virtual ~UpdateStrategy() = default;

    // Before the first step of a fit() (after a resume): the model whose parameters it updates,
    // and the trainer's optimizer. A parameter server's worker pulls its first weights here.
    virtual common::Result begin(nn::Sequential& model, nn::Optimizer& optimizer,
                                 int64_t firstStep) = 0;
    // Before the backward pass of `step` (an all-reduce starts sending gradients during it).
    virtual void beginStep(const StepInfo& /*step*/) {}
    // After the backward pass of `step`: makes the update. `applyLocally` runs the trainer's own
    // update (learning-rate schedule, clipping, optimizer) on the gradients in the parameters.
    virtual common::Result update(const StepInfo& step,
                                  const std::function<void()>& applyLocally) = 0;
    // After the last step of the fit(), or when it stops early: a parameter server's worker says
    // it is done. Errors here are reported but change nothing already trained.
    virtual common::Result end() { return {}; }
    // Seconds spent waiting on other ranks so far: the communication part of the step time.
    virtual double communicationSeconds() const = 0;
};

} // namespace ts::train
