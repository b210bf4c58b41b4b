// StoreSink: the MetricSink of a run that keeps its points in the experiment store.
//
// Points go through a MetricWriter (store/metric_writer.h), which commits them in batches and at
// least every half second, so a studio watching the run charts a point within a second of the
// step that measured it. A failed write stops training (cancelled() turns true) and the runner
// reports it.
//
// THREAD SAFETY: the training thread only.
#pragma once

#include "store/experiment_store.h"
#include "store/metric_writer.h"
#include "train/metric_sink.h"

#include <atomic>
#include <memory>
#include <optional>

namespace ts::train {

class RunListener;

class StoreSink final : public MetricSink
{
public:
    // `store` receives the confusion matrices; `writer` the metric points of run `run`.
    StoreSink(store::ExperimentStore& store, std::unique_ptr<store::MetricWriter> writer,
              int64_t run, RunListener* listener, const std::atomic<bool>* cancel);

    void onMetric(const std::string& name, int64_t step, double value) override;
    void onProgress(const Progress& progress) override;
    // Per-class precision, recall and F1 become metric points ("test_f1_class3"), the confusion
    // matrix goes to its own table.
    void onEvaluation(int64_t step, const ClassificationReport& report) override;
    bool cancelled() const override;

    // Commits every pending point (before a checkpoint, and at the end of the run).
    void flush();
    std::optional<common::Error>& failure() { return m_failure; }

private:
    store::ExperimentStore& m_store;
    std::unique_ptr<store::MetricWriter> m_writer;
    int64_t m_run;
    RunListener* m_listener;
    const std::atomic<bool>* m_cancel;
    std::optional<common::Error> m_failure;
};

} // namespace ts::train
