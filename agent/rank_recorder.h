// RankRecorder: the RunRecorder of a job's rank (train/run_recorder.h). Every record becomes a
// wire::Record in the agent's spool (agent/spool.h), stamped with the job, attempt, rank and run
// the coordinator assigned; the agent forwards them and the coordinator stores them. Metric points
// are gathered into one record per half second (or 2,000 points; the run's first point goes at
// once) so a chart stays live without a record per point. A checkpoint record carries the
// checkpoint file itself, so the job can resume on another machine.
//
// THREAD SAFETY: the training thread only.
#pragma once

#include "agent/spool.h"
#include "train/run_recorder.h"

#include <chrono>

namespace ts::agent {

struct RankIdentity
{
    int64_t job = 0;
    int attempt = 0;
    int rank = 0;
    int64_t run = 0;
};

class RankRecorder final : public train::RunRecorder
{
public:
    RankRecorder(Spool& spool, RankIdentity identity);

    // A line for the job's log (`trainstudio-cli jobs logs`).
    common::Result log(int level, const std::string& text);
    // This rank's data-plane socket, for the rendezvous.
    common::Result endpoint(const std::string& endpoint);

    // The run is the one the coordinator created: createRun describes it and returns its id.
    common::Expected<int64_t> createRun(const store::NewRun& run) override;
    common::Result saveDatasetStats(int64_t run, const std::string& split,
                                    const data::DatasetStats& stats) override;
    common::Result saveFittedPrep(int64_t run, const std::string& json) override;
    common::Result reopenRun(int64_t run) override;
    common::Result appendMetric(const store::MetricPoint& point) override;
    common::Result flushMetrics() override;
    common::Result saveConfusionMatrix(int64_t run, int64_t step, int64_t classes,
                                       std::span<const int64_t> counts) override;
    common::Result checkpointSaved(int64_t run, int64_t step, const std::string& path) override;
    common::Result finishRun(int64_t run, store::RunStatus status,
                             const std::string& error) override;
    common::Result recordStaleness(int64_t run, int worker,
                                   std::span<const int64_t> staleness) override;
    common::Result addEvent(const store::RunEvent& event) override;

private:
    wire::Record record() const;

    Spool& m_spool;
    RankIdentity m_id;
    wire::Record m_metrics; // points not yet spooled
    std::chrono::steady_clock::time_point m_firstPending;
    int64_t m_lines = 0;
    bool m_flushedOnce = false;
};

} // namespace ts::agent
