#include "train/allreduce_strategy.h"

#include "dist/data_plane.h"
#include "dist/ring_allreduce.h"
#include "dist/shared_memory_allreduce.h"
#include "nn/optimizer.h"
#include "nn/sequential.h"
#include "tensor/backend.h"
#include "train/device_allreduce.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ts::train {

using common::Error;
using common::ErrorKind;
using common::Result;
using Clock = std::chrono::steady_clock;

namespace {

// Where one parameter's gradient lies in its bucket's buffer.
struct Slot
{
    nn::Parameter* parameter = nullptr;
    size_t bucket = 0;
    size_t offset = 0;
};

struct Bucket
{
    std::vector<float> values; // its gradients on their way (shared memory: the segment instead)
    size_t offset = 0;         // where it starts in the segment's slots (shared memory)
    size_t parameters = 0;     // how many of its gradients a step must write before it is sent
    size_t pending = 0;        // of this step
    bool reduced = false;      // of this step
};

} // namespace

struct AllReduceStrategy::Private
{
    dist::DataPlane& plane;
    size_t bucketBytes;
    std::chrono::milliseconds timeout;
    nn::Sequential* model = nullptr;
    std::vector<Bucket> buckets;
    std::map<const nn::Layer*, std::vector<Slot>> slotsOfLayer;
    float weight = 1; // rows / globalRows of this step
    int64_t step = 0;

    // The communication thread of the ring and what it shares with the training thread.
    std::thread thread;
    std::mutex mutex;
    std::condition_variable changed;
    std::deque<size_t> queue; // buckets ready to reduce
    bool stopping = false;
    std::optional<Error> failure;
    double waitedSeconds = 0;
    // GPU ranks that all have NCCL: gradients are summed on the devices instead.
    std::unique_ptr<DeviceAllReduce> device;
    // Ranks all on this machine: buckets are summed through shared memory instead of sockets.
    bool sharedMemoryAllowed = true;
    std::unique_ptr<dist::SharedMemoryAllReduce> sharedMemory;
    std::string devicePath; // what summed the gradients, for the log

    Private(dist::DataPlane& plane, size_t bucketBytes, std::chrono::milliseconds timeout,
            bool sharedMemoryAllowed)
        : plane(plane)
        , bucketBytes(bucketBytes)
        , timeout(timeout)
        , sharedMemoryAllowed(sharedMemoryAllowed)
    {}

    void communicate()
    {
        for (;;) {
            size_t index = 0;
            int64_t stepOfBucket = 0;
            {
                std::unique_lock lock(mutex);
                changed.wait(lock, [&] { return stopping || !queue.empty(); });
                if (queue.empty())
                    return;
                index = queue.front();
                queue.pop_front();
                stepOfBucket = step;
            }
            Bucket& bucket = buckets[index];
            Result reduced = dist::ringAllReduce(
                    plane, bucket.values,
                    "g" + std::to_string(stepOfBucket) + "." + std::to_string(index), timeout);
            std::lock_guard lock(mutex);
            if (!reduced && !failure)
                failure = std::move(reduced).error();
            bucket.reduced = true;
            changed.notify_all();
        }
    }

    // Called by the backward pass after `layer`: its gradients go into their buckets, weighed,
    // and every bucket that is now complete goes to the communication thread.
    void gradientsOf(const nn::Layer& layer)
    {
        const auto found = slotsOfLayer.find(&layer);
        if (found == slotsOfLayer.end())
            return;
        if (device) { // queued on the device after the kernels that wrote the gradient
            for (const Slot& slot : found->second)
                if (Result reduced = device->reduce(slot.parameter->grad, weight);
                    !reduced && !failure)
                    failure = std::move(reduced).error();
            return;
        }
        for (const Slot& slot : found->second) {
            Bucket& bucket = buckets[slot.bucket];
            const tensor::Tensor& grad = slot.parameter->grad;
            // With shared memory straight into this rank's slot of the segment: no copy later.
            float* into =
                    (sharedMemory ? sharedMemory->slot() + bucket.offset : bucket.values.data())
                    + slot.offset;
            const size_t n = size_t(grad.size());
            if (weight != 1 && grad.backend().kind() == tensor::DeviceKind::Cpu) {
                const float* from = grad.data(); // host memory: weighed on the way, one pass
                for (size_t i = 0; i < n; ++i)
                    into[i] = from[i] * weight;
            } else {
                grad.backend().download(into, grad.data(), n);
                if (weight != 1)
                    for (size_t i = 0; i < n; ++i)
                        into[i] *= weight;
            }
            if (--bucket.pending == 0 && !sharedMemory) {
                std::lock_guard lock(mutex);
                queue.push_back(slot.bucket);
                changed.notify_all();
            }
        }
    }

    void stop()
    {
        {
            std::lock_guard lock(mutex);
            stopping = true;
            changed.notify_all();
        }
        if (thread.joinable())
            thread.join();
        if (model)
            model->setAfterLayerBackward({});
        model = nullptr;
    }
};

AllReduceStrategy::AllReduceStrategy(dist::DataPlane& plane, size_t bucketBytes,
                                     std::chrono::milliseconds timeout, bool sharedMemory)
    : d(std::make_unique<Private>(plane, bucketBytes, timeout, sharedMemory))
{}

AllReduceStrategy::~AllReduceStrategy()
{
    d->stop();
}

size_t AllReduceStrategy::bucketCount() const
{
    return d->buckets.size();
}

std::string AllReduceStrategy::path() const
{
    return d->devicePath;
}

double AllReduceStrategy::communicationSeconds() const
{
    return d->waitedSeconds;
}

Result AllReduceStrategy::begin(nn::Sequential& model, nn::Optimizer& /*optimizer*/,
                                int64_t /*firstStep*/)
{
    d->stop();
    d->stopping = false;
    d->buckets.clear();
    d->slotsOfLayer.clear();
    // Buckets in the order the backward pass writes the gradients: last layer first.
    size_t bytes = 0;
    for (auto layer = model.layers().rbegin(); layer != model.layers().rend(); ++layer) {
        for (nn::Parameter* p : (*layer)->parameters()) {
            if (d->buckets.empty() || bytes >= d->bucketBytes) {
                d->buckets.emplace_back();
                bytes = 0;
            }
            Bucket& bucket = d->buckets.back();
            d->slotsOfLayer[layer->get()].push_back(
                    { p, d->buckets.size() - 1, bucket.values.size() });
            bucket.values.resize(bucket.values.size() + size_t(p->grad.size()));
            ++bucket.parameters;
            bytes += size_t(p->grad.size()) * sizeof(float);
        }
    }
    d->model = &model;
    d->failure.reset();
    d->device.reset();
    d->devicePath = "ring all-reduce through host memory";
    if (!d->slotsOfLayer.empty()) {
        tensor::Backend& backend =
                d->slotsOfLayer.begin()->second.front().parameter->grad.backend();
        std::string why;
        auto device = DeviceAllReduce::join(d->plane, backend, d->timeout, &why);
        TS_TRY(device);
        d->device = std::move(*device);
        if (d->device)
            d->devicePath = "NCCL all-reduce on the GPUs";
        else if (backend.kind() == tensor::DeviceKind::Cuda)
            d->devicePath += " (" + why + ")";
    }
    d->sharedMemory.reset();
    if (!d->device && d->sharedMemoryAllowed) {
        size_t capacity = 0; // the buckets end to end: the whole model, summed in one call
        for (Bucket& bucket : d->buckets) {
            bucket.offset = capacity;
            capacity += bucket.values.size();
        }
        auto group = dist::SharedMemoryAllReduce::join(d->plane, capacity, d->timeout);
        if (!group)
            return std::move(group).error().wrap("joining the shared-memory all-reduce");
        d->sharedMemory = std::move(*group);
        if (d->sharedMemory)
            d->devicePath = "shared-memory all-reduce (every rank on this machine)";
    }
    model.setAfterLayerBackward([this](nn::Layer& layer) { d->gradientsOf(layer); });
    if (!d->device && !d->sharedMemory)
        d->thread = std::thread([this] { d->communicate(); });
    return {};
}

void AllReduceStrategy::beginStep(const StepInfo& step)
{
    std::lock_guard lock(d->mutex);
    d->weight = step.globalRows > 0 ? float(double(step.rows) / double(step.globalRows)) : 1.0f;
    d->step = step.step;
    for (Bucket& bucket : d->buckets) {
        bucket.pending = bucket.parameters;
        bucket.reduced = false;
    }
}

Result AllReduceStrategy::update(const StepInfo& step, const std::function<void()>& applyLocally)
{
    const auto started = Clock::now();
    if (d->device) {
        const Result finished = d->device->finish();
        d->waitedSeconds += std::chrono::duration<double>(Clock::now() - started).count();
        if (d->failure)
            return Error(*d->failure).wrap("all-reduce of the gradients");
        if (!finished)
            return Error(finished.error()).wrap("all-reduce of the gradients");
        applyLocally();
        return {};
    }
    if (d->sharedMemory) {
        for (const Bucket& bucket : d->buckets)
            if (bucket.pending != 0)
                return Error(ErrorKind::Internal,
                             "step " + std::to_string(step.step)
                                     + ": the backward pass did not write every gradient");
        size_t total = 0;
        for (const Bucket& bucket : d->buckets)
            total += bucket.values.size();
        const Result reduced = d->sharedMemory->reduce(0, total);
        d->waitedSeconds += std::chrono::duration<double>(Clock::now() - started).count();
        if (!reduced)
            return Error(reduced.error()).wrap("all-reduce of the gradients");
    } else {
        std::unique_lock lock(d->mutex);
        for (const Bucket& bucket : d->buckets)
            if (bucket.pending != 0)
                return Error(ErrorKind::Internal,
                             "step " + std::to_string(step.step)
                                     + ": the backward pass did not write every gradient");
        d->changed.wait(lock, [&] {
            for (const Bucket& bucket : d->buckets)
                if (!bucket.reduced)
                    return false;
            return true;
        });
        d->waitedSeconds += std::chrono::duration<double>(Clock::now() - started).count();
        if (d->failure)
            return Error(*d->failure).wrap("all-reduce of the gradients");
    }
    for (const auto& [layer, slots] : d->slotsOfLayer)
        for (const Slot& slot : slots) {
            tensor::Tensor& grad = slot.parameter->grad;
            const Bucket& bucket = d->buckets[slot.bucket];
            const float* sums = d->sharedMemory ? d->sharedMemory->result() + bucket.offset
                                                : bucket.values.data();
            grad.upload({ sums + slot.offset, size_t(grad.size()) });
        }
    applyLocally();
    return {};
}

Result AllReduceStrategy::end()
{
    d->stop();
    return {};
}

} // namespace ts::train
