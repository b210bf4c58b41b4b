// MetricSink: where a training loop reports what it measures. The pipeline runner stores the
// points in the experiment store; the CLI draws its progress bar from onProgress.
//
// THREAD SAFETY: called on the training thread only.
#pragma once

#include "train/evaluation.h"

#include <cstdint>
#include <string>

namespace ts::train {

struct Progress
{
    int epoch = 0; // 0-based
    int epochs = 0;
    int64_t step = 0; // global optimizer step, 1-based after the first update
    int64_t stepsPerEpoch = 0;
    int64_t stepInEpoch = 0; // 1-based
    double loss = 0;         // mean train loss since the last report
    double samplesPerSecond = 0;
    double etaSeconds = 0; // for the whole run
    bool trees = false;    // a random forest's: steps are trees grown, there is no loss
};

class MetricSink
{
public:
    virtual ~MetricSink() = default;
    // One measured value: "train_loss" at a step, "test_accuracy" at the end of an epoch, ...
    virtual void onMetric(const std::string& name, int64_t step, double value) = 0;
    // The full classification report of the evaluation at `step` (after test_accuracy).
    // Optional.
    virtual void onEvaluation(int64_t /*step*/, const ClassificationReport&) {}
    // Called every few steps with the state of the run, for progress displays. Optional.
    virtual void onProgress(const Progress&) {}
    // Returning true stops training at the next step (the user cancelled). Optional.
    virtual bool cancelled() const { return false; }
};

} // namespace ts::train
