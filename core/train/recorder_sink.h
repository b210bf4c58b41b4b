// RecorderSink: the MetricSink of a run that hands its points to a RunRecorder (the store here,
// or an agent's spool; train/run_recorder.h). Per-class scores of an evaluation become points
// ("test_f1_class3") and its confusion matrix a record of its own. A failed write stops training
// (cancelled() turns true) and the runner reports it.
//
// THREAD SAFETY: the training thread only.
#pragma once

#include "train/metric_sink.h"
#include "train/run_recorder.h"

#include <atomic>
#include <optional>

namespace ts::train {

class RunListener;

class RecorderSink final : public MetricSink
{
public:
    // `worker` is the rank the points are of (0 for a run of one process).
    RecorderSink(RunRecorder& recorder, int64_t run, int worker, RunListener* listener,
                 const std::atomic<bool>* cancel);

    void onMetric(const std::string& name, int64_t step, double value) override;
    void onProgress(const Progress& progress) override;
    void onEvaluation(int64_t step, const ClassificationReport& report) override;
    bool cancelled() const override;

    // Makes every point so far durable (before a checkpoint, and at the end of the run).
    void flush();
    std::optional<common::Error>& failure() { return m_failure; }

private:
    RunRecorder& m_recorder;
    int64_t m_run;
    int m_worker;
    RunListener* m_listener;
    const std::atomic<bool>* m_cancel;
    std::optional<common::Error> m_failure;
};

} // namespace ts::train
