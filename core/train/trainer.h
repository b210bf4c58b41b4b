// Trainer: one rank's training loop for a classifier (softmax cross-entropy).
//
// @code
//     Trainer trainer(backend, model, options);
//     auto summary = trainer.fit(trainSet, &testSet, sink);  // epochs of shuffled mini-batches
// @endcode
//
// Before every step the optimizer gets the scheduled learning rate (nn/lr_schedule.h, over
// stepsPerEpoch * epochs steps) and, when optimizer.clipNorm > 0, clipped gradients.
// Every `logEvery` steps the mean train loss of those steps goes to the sink as "train_loss",
// with "learning_rate", the rate of the last of those steps, and the mean step time of those
// steps split into "time_data_ms" (batch assembly and upload), "time_compute_ms" (forward,
// backward, update) and "time_comm_ms" (waiting on other ranks, train/update_strategy.h);
// after each epoch "samples_per_second" and, with a test set, "test_loss" and "test_accuracy"
// (step = the global step at the end of the epoch).
//
// Checkpoints and resuming: with checkpointEvery > 0 the trainer writes the whole training state
// (nn/checkpoint.h) to checkpointPath every checkpointEvery global steps, at the end of every
// epoch (after its evaluation) and when the sink cancels; each file replaces the previous one
// atomically. The state holds the parameters, buffers, optimizer tensors, type and step count,
// the position (global step, epoch, next batch), the seed, and as counters the dropout call
// counts ("<layer>" -> calls, "<layer>.seed" -> seed) and the open loss window
// ("trainer.lossSum": the IEEE-754 bits of the double sum, "trainer.lossCount"), so a checkpoint
// may fall between two train_loss points. A resumed run replays nothing and skips nothing:
//
// @code
//     auto model = nn::buildModel(spec, backend, shape, classes, seed);  // as the run built it
//     Trainer trainer(backend, *model, options);                         // the run's options
//     TS_TRY(trainer.resume(*nn::loadCheckpoint(path)));
//     trainer.fit(trainSet, &testSet, sink);  // the remaining batches, bit for bit
// @endcode
//
// The batch order of an epoch depends only on (seed, epoch) (data/batcher.h), the learning rate
// on the optimizer's step count and dropout masks on (layer seed, calls), so the remaining
// updates and metric points are those of an uninterrupted run on the same backend and threads.
#pragma once

#include "common/result.h"
#include "data/dataset.h"
#include "nn/checkpoint.h" // for CheckpointState
#include "nn/optimizer_factory.h"
#include "nn/sequential.h"
#include "train/evaluation.h"
#include "train/metric_sink.h"
#include "train/update_strategy.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ts::nn {
class Dropout;
}

namespace ts::train {

struct TrainOptions
{
    int epochs = 1;
    int64_t batchSize = 64;
    uint64_t seed = 0;
    nn::OptimizerSpec optimizer; // type, base learning rate, schedule, clipping
    int64_t logEvery = 50;
    int64_t checkpointEvery = 0;   // global steps between checkpoints; 0 = no checkpoints
    std::string checkpointPath {}; // the file every checkpoint replaces
    std::string modelSpecJson {};  // stored in checkpoints; resume() refuses another one
    // Called before every checkpoint is written, to make what the sink received so far durable
    // (the runner flushes its metric batch): a resumed run then never misses a point. A failure
    // stops training like a failed save. Optional.
    std::function<common::Result()> beforeCheckpoint {};
    // Called after a checkpoint was written, with its global step (a job's rank sends the file
    // to its coordinator from here). A failure stops training like a failed save. Optional.
    std::function<common::Result(int64_t step)> afterCheckpoint {};
    // Data parallel: this rank's part of every global batch (data/batcher.h) and the strategy
    // that turns its gradients into updates. Without a strategy the optimizer applies them.
    int dataRank = 0;
    int dataRanks = 1;
    UpdateStrategy* strategy = nullptr;
};

struct Evaluation
{
    double loss = 0;
    double accuracy = 0;
    int64_t rows = 0;
    ClassificationReport report; // confusion matrix, per-class precision/recall/F1
};

struct TrainSummary
{
    int64_t steps = 0;  // the global step reached, steps before a resume included
    int epochsDone = 0; // complete epochs, those before a resume included
    double lastTrainLoss = 0;
    double samplesPerSecond = 0; // over the epochs of this fit(), training steps only
    double trainSeconds = 0;
    bool cancelled = false;
    Evaluation test; // of the last epoch, when a test set was given
    // Why training stopped early: a checkpoint could not be written, or the resume point does
    // not fit the training data. Empty when it ran to the end or was cancelled.
    std::optional<common::Error> failure;
};

class Trainer
{
public:
    // Builds the optimizer of options.optimizer over the model's parameters.
    Trainer(tensor::Backend& backend, nn::Sequential& model, TrainOptions options);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Restores a checkpoint into the model, the optimizer and the loop, so that the next fit()
    // continues at (state.epoch, state.batchInEpoch). The model must be built from the same
    // spec and seed as the checkpointed one (its initial weights do not matter). InvalidInput
    // names what does not match: optimizer type, seed, model spec, a tensor or a dropout
    // layer. On failure the model may be partly restored; discard the trainer and the model.
    common::Result resume(const nn::CheckpointState& state);

    // Trains from the start (or the resumed position) to the last epoch. Call once per Trainer.
    TrainSummary fit(const data::Dataset& train, const data::Dataset* test, MetricSink& sink);
    // Mean loss and accuracy over `data`, in batches (no parameter changes).
    Evaluation evaluate(const data::Dataset& data);

private:
    struct Loop; // the running state of fit(), defined in trainer.cpp

    // Where fit() starts: zero, or the position of a resumed checkpoint.
    struct Position
    {
        int64_t step = 0;
        int epoch = 0;
        int64_t batch = 0;
        double lossSum = 0;
        int64_t lossCount = 0;
    };

    // Runs the batches of loop.epoch from `first`, then ends the epoch (its metrics,
    // evaluation and checkpoint); false when training must stop.
    bool trainEpoch(Loop& loop, int64_t first, const data::Dataset* test, MetricSink& sink);
    // One forward, backward and update of batch `batch`; returns the learning rate used, or
    // nothing (with loop.summary.failure set) when the strategy failed.
    std::optional<float> trainStep(Loop& loop, int64_t batch);
    void logLoss(Loop& loop, int64_t stepInEpoch, float learningRate, MetricSink& sink);
    void evaluateEpoch(Loop& loop, double epochSeconds, const data::Dataset* test,
                       MetricSink& sink);
    // Writes the state at the start of batch `nextBatch` of `epoch`; false (with
    // loop.summary.failure set) when it could not.
    bool checkpoint(Loop& loop, int epoch, int64_t nextBatch);
    nn::CheckpointState capture(const Loop& loop, int epoch, int64_t nextBatch) const;
    common::Result restoreCounters(const nn::CheckpointState& state);
    bool checkpointing() const { return m_options.checkpointEvery > 0; }

    tensor::Backend& m_backend;
    nn::Sequential& m_model;
    TrainOptions m_options;
    std::unique_ptr<nn::Optimizer> m_optimizer;
    std::vector<nn::Dropout*> m_dropouts; // every dropout layer, nested ones included
    Position m_start;
};

} // namespace ts::train
