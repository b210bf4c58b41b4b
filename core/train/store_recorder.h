// StoreRecorder: the RunRecorder of a run on this machine, writing into the experiment store.
// Metric points go through a MetricWriter (store/metric_writer.h), which commits them in batches
// and at least every half second, so a studio watching the run charts a point within a second of
// the step that measured it.
//
// THREAD SAFETY: the training thread only.
#pragma once

#include "store/experiment_store.h"
#include "store/metric_writer.h"
#include "train/run_recorder.h"

#include <memory>

namespace ts::train {

class StoreRecorder final : public RunRecorder
{
public:
    // Opens the writer's own connection to `store`'s file.
    static common::Expected<std::unique_ptr<StoreRecorder>> open(store::ExperimentStore& store);

    common::Expected<int64_t> createRun(const store::NewRun& run) override;
    common::Result saveDatasetStats(int64_t run, const std::string& split,
                                    const data::DatasetStats& stats) override;
    common::Result saveFittedPrep(int64_t run, const std::string& json) override;
    common::Result reopenRun(int64_t run) override;
    common::Result appendMetric(const store::MetricPoint& point) override;
    common::Result flushMetrics() override;
    common::Result saveConfusionMatrix(int64_t run, int64_t step, int64_t classes,
                                       std::span<const int64_t> counts) override;
    common::Result finishRun(int64_t run, store::RunStatus status,
                             const std::string& error) override;
    common::Result recordStaleness(int64_t run, int worker,
                                   std::span<const int64_t> staleness) override;
    common::Result addEvent(const store::RunEvent& event) override;

private:
    StoreRecorder(store::ExperimentStore& store, std::unique_ptr<store::MetricWriter> writer);
    store::ExperimentStore& m_store;
    std::unique_ptr<store::MetricWriter> m_writer;
};

} // namespace ts::train
