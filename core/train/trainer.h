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
// with "learning_rate", the rate of the last of those steps;
// after each epoch "samples_per_second" and, with a test set, "test_loss" and "test_accuracy"
// (step = the global step at the end of the epoch).
#pragma once

#include "data/dataset.h"
#include "nn/optimizer_factory.h"
#include "nn/sequential.h"
#include "train/evaluation.h"
#include "train/metric_sink.h"

#include <cstdint>

namespace ts::train {

struct TrainOptions
{
    int epochs = 1;
    int64_t batchSize = 64;
    uint64_t seed = 0;
    nn::OptimizerSpec optimizer; // type, base learning rate, schedule, clipping
    int64_t logEvery = 50;
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
    int64_t steps = 0;
    int epochsDone = 0;
    double lastTrainLoss = 0;
    double samplesPerSecond = 0; // over all epochs, training steps only
    double trainSeconds = 0;
    bool cancelled = false;
    Evaluation test; // of the last epoch, when a test set was given
};

class Trainer
{
public:
    Trainer(tensor::Backend& backend, nn::Sequential& model, TrainOptions options);

    TrainSummary fit(const data::Dataset& train, const data::Dataset* test, MetricSink& sink);
    // Mean loss and accuracy over `data`, in batches (no parameter changes).
    Evaluation evaluate(const data::Dataset& data);

private:
    tensor::Backend& m_backend;
    nn::Sequential& m_model;
    TrainOptions m_options;
};

} // namespace ts::train
