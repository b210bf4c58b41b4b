// PipelineStage: model distribution by layers (DESIGN.md, Strategies), as GPipe does it. The
// network's layers are cut into consecutive ranges, one per rank; every batch is cut into
// micro-batches that flow through the ranks -- activations forward, their gradients backward,
// as raw float frames on the job's data plane -- so that while rank 1 works on micro-batch 0,
// rank 0 is already at micro-batch 1.
//
// Schedule (GPipe): all micro-batches forward, then all backward. A stage keeps the input of
// each micro-batch and recomputes its forward pass just before that micro-batch's backward pass
// (re-materialisation: the layers cache one pass only). Each stage sums its parameters'
// gradients over the micro-batches, weighed by their share of the batch's rows, and applies its
// own optimizer to its own parameters with the pipeline's schedule: the same update as the
// unsplit network on the whole batch, within float rounding. (Dropout would draw new masks in
// the recomputation: pipeline stages refuse models with dropout.)
//
// Every stage builds the whole network from the spec and seed, as one process would, and keeps
// its range: the initial weights are the unsplit network's. The last stage computes the loss
// and reports the metrics of the run (train_loss, test_loss, test_accuracy); every stage
// reports its step times.
//
// @code
//     auto model = nn::buildModel(spec, backend, shape, classes, seed);   // the whole network
//     PipelineStage stage(backend, *model, plane, boundaries, options);    // keeps its layers
//     TrainSummary summary = stage.fit(train, &test, sink);
// @endcode
#pragma once

#include "data/dataset.h"
#include "nn/optimizer_factory.h"
#include "nn/sequential.h"
#include "train/metric_sink.h"
#include "train/trainer.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace ts::dist {
class DataPlane;
}

namespace ts::train {

struct PipelineOptions
{
    int epochs = 1;
    int64_t batchSize = 64; // rows per batch, cut into microBatches parts
    int microBatches = 4;
    uint64_t seed = 0;
    nn::OptimizerSpec optimizer;
    int64_t logEvery = 50;
    std::chrono::milliseconds timeout { 120000 }; // for a neighbour's activation or gradient
    // Stage k on rank N-1-k instead of rank k: a job's rank 0, whose records describe the run,
    // then holds the last layers, which compute the loss and the evaluation.
    bool lastStageOnRankZero = false;
};

// Cuts `layers` layers into `stages` consecutive ranges of about equal parameter counts (layers
// without parameters go with the layer before them); returns the first layer of each stage.
// InvalidInput when there are fewer layers with parameters than stages.
common::Expected<std::vector<size_t>> balanceStages(const nn::Sequential& model, int stages);

class PipelineStage
{
public:
    // The stage k of rank plane.rank() (k = rank, or see lastStageOnRankZero): layers
    // [firsts[k], firsts[k + 1]) of `model`.
    PipelineStage(tensor::Backend& backend, nn::Sequential& model, dist::DataPlane& plane,
                  std::vector<size_t> firsts, PipelineOptions options);
    ~PipelineStage();

    // Trains every epoch (with every stage calling fit at the same time). The summary's test
    // evaluation and losses are the last stage's; failure names a neighbour that did not answer.
    TrainSummary fit(const data::Dataset& train, const data::Dataset* test, MetricSink& sink);

private:
    // The test set through the stages in batches; the last stage's evaluation, empty elsewhere.
    common::Expected<Evaluation> evaluatePipelined(const data::Dataset& test);

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ts::train
