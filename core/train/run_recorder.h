// RunRecorder: where a run's records go while it trains. The runner (train/pipeline_runner.h)
// writes through it and never knows which kind it has:
//  - StoreRecorder (train/store_recorder.h): into the experiment store on this machine, for
//    `trainstudio-cli run` and the studio's local runs;
//  - the agent's RankRecorder (agent/rank_recorder.h): into the agent's spool, from which the
//    agent forwards every record to its coordinator, which writes it into the store.
//
// A record stored twice is stored once: metric points are keyed by (run, name, worker, step),
// statistics, prep, description and confusion matrices replace what was there. A rank that
// replays its spool after a reconnect, or a job resumed from a checkpoint, never duplicates.
//
// THREAD SAFETY: the training thread only.
#pragma once

#include "common/result.h"
#include "data/feature_stats.h"
#include "store/experiment_store.h"

#include <cstdint>
#include <span>
#include <string>

namespace ts::train {

class RunRecorder
{
public:
    virtual ~RunRecorder() = default;

    // The run the records belong to: a new run in the store, or the run a coordinator created
    // for the job (then `run` describes it).
    virtual common::Expected<int64_t> createRun(const store::NewRun& run) = 0;
    virtual common::Result saveDatasetStats(int64_t run, const std::string& split,
                                            const data::DatasetStats& stats) = 0;
    virtual common::Result saveFittedPrep(int64_t run, const std::string& json) = 0;
    // The run continues from a checkpoint: "running" again.
    virtual common::Result reopenRun(int64_t run) = 0;
    // Points are batched; flushMetrics makes every point appended so far durable (before a
    // checkpoint, and at the end).
    virtual common::Result appendMetric(const store::MetricPoint& point) = 0;
    virtual common::Result flushMetrics() = 0;
    virtual common::Result saveConfusionMatrix(int64_t run, int64_t step, int64_t classes,
                                               std::span<const int64_t> counts) = 0;
    // The checkpoint of global step `step` was written to `path`.
    virtual common::Result checkpointSaved(int64_t /*run*/, int64_t /*step*/,
                                           const std::string& /*path*/)
    {
        return {};
    }
    virtual common::Result finishRun(int64_t run, store::RunStatus status,
                                     const std::string& error) = 0;
    // Distributed runs: the staleness of updates a parameter server applied for `worker`
    // (added to the run's histogram), and events of the run's timeline.
    virtual common::Result recordStaleness(int64_t run, int worker,
                                           std::span<const int64_t> staleness) = 0;
    virtual common::Result addEvent(const store::RunEvent& event) = 0;
};

} // namespace ts::train
