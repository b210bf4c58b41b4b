// AllReduceStrategy: synchronous data parallelism without a server, as Horovod and PyTorch's DDP
// do it on CPUs. Every rank sums the ranks' gradients with a ring all-reduce over its data plane
// (dist/ring_allreduce.h), then applies the same update with its own optimizer: the ranks start
// from the same weights (the same seed) and stay bit-identical, and N ranks train exactly like
// one worker with N times the batch (within float rounding).
//
// Gradient buckets overlap the communication with the backward pass: the parameters are grouped,
// in the order backward reaches them (last layer first), into buckets of about `bucketBytes`;
// as soon as the backward pass has written every gradient of a bucket, a communication thread
// starts reducing it while the earlier layers are still back-propagating. Each gradient is
// weighed by rows / globalRows on its way into the bucket (train/update_strategy.h).
//
// Ranks that all run on one machine sum through a shared memory segment instead
// (dist/shared_memory_allreduce.h): the backward pass weighs each gradient straight into the
// rank's slot of the segment, and after it the training thread sums the whole model there and
// reads the sums back -- no bucket copies, no thread hand-offs, which at small batches cost more
// than the overlap gains (the first layer's gradient, the largest, is written last anyway).
//
// GPU ranks whose backends all have NCCL sum on the devices instead (train/device_allreduce.h):
// each gradient is queued for an in-place NCCL all-reduce on the backend's stream as soon as the
// backward pass has written it; no buckets, no host copies.
//
// @code
//     AllReduceStrategy allReduce(plane);     // plane: connected, used only by the strategy now
//     options.strategy = &allReduce;          // train/trainer.h
//     options.dataRank = plane.rank();
//     options.dataRanks = plane.worldSize();
// @endcode
#pragma once

#include "train/update_strategy.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace ts::dist {
class DataPlane;
}

namespace ts::train {

class AllReduceStrategy final : public UpdateStrategy
{
public:
    static constexpr size_t DefaultBucketBytes = 1 << 20;

    // A step fails when a peer's part has not come within `timeout` (a lost rank).
    // `sharedMemory`: ranks that all run on this machine sum through shared memory
    // (dist/shared_memory_allreduce.h); false keeps them on the ring (tests of the ring).
    explicit AllReduceStrategy(dist::DataPlane& plane, size_t bucketBytes = DefaultBucketBytes,
                               std::chrono::milliseconds timeout = std::chrono::seconds(60),
                               bool sharedMemory = true);
    ~AllReduceStrategy() override;

    common::Result begin(nn::Sequential& model, nn::Optimizer& optimizer,
                         int64_t firstStep) override;
    void beginStep(const StepInfo& step) override;
    common::Result update(const StepInfo& step, const std::function<void()>& applyLocally) override;
    common::Result end() override;
    double communicationSeconds() const override;

    // How the parameters were grouped (after begin()), for tests and logs.
    size_t bucketCount() const;
    // What sums the gradients (after begin()): "NCCL all-reduce on the GPUs", "shared-memory
    // all-reduce (every rank on this machine)", or "ring all-reduce through host memory" with,
    // for a GPU rank, why not NCCL.
    std::string path() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ts::train
