#include "agent/rank_recorder.h"

#include "common/file_io.h"

namespace ts::agent {

namespace {

constexpr int MaxPointsPerRecord = 2000;
constexpr auto MaxPointAge = std::chrono::milliseconds(500);

common::Result toResult(const common::Expected<uint64_t>& appended)
{
    return appended ? common::Result() : common::Result(appended.error());
}

double unixNow()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();
}

void toWire(const data::DatasetStats& stats, const std::string& split, wire::DatasetStats& out)
{
    out.set_split(split);
    out.set_rows(stats.rows);
    out.mutable_label_counts()->Add(stats.labelCounts.begin(), stats.labelCounts.end());
    for (const data::FeatureStats& f : stats.features) {
        wire::FeatureStats& w = *out.add_features();
        w.set_name(f.name);
        w.set_count(f.count);
        w.set_missing(f.missing);
        w.set_mean(f.mean);
        w.set_stddev(f.stddev);
        w.set_min(f.min);
        w.set_max(f.max);
        w.mutable_quantiles()->Add(f.quantiles.begin(), f.quantiles.end());
        w.mutable_bin_edges()->Add(f.binEdges.begin(), f.binEdges.end());
        w.mutable_bin_counts()->Add(f.binCounts.begin(), f.binCounts.end());
        for (const std::string& c : f.categories)
            w.add_categories(c);
    }
}

} // namespace

RankRecorder::RankRecorder(Spool& spool, RankIdentity identity)
    : m_spool(spool)
    , m_id(identity)
{
    m_metrics = record();
}

wire::Record RankRecorder::record() const
{
    wire::Record r;
    r.set_job(m_id.job);
    r.set_attempt(m_id.attempt);
    r.set_rank(m_id.rank);
    r.set_run(m_id.run);
    return r;
}

common::Result RankRecorder::log(int level, const std::string& text)
{
    wire::Record r = record();
    wire::Log& line = *r.mutable_log();
    line.set_level(level);
    line.set_text(text);
    line.set_time(unixNow());
    line.set_line(++m_lines);
    return toResult(m_spool.append(r));
}

common::Result RankRecorder::endpoint(const std::string& endpoint)
{
    wire::Record r = record();
    r.set_endpoint(endpoint);
    return toResult(m_spool.append(r));
}

common::Expected<int64_t> RankRecorder::createRun(const store::NewRun& run)
{
    wire::Record r = record();
    r.mutable_describe()->set_backend(run.backend);
    for (const auto& [key, value] : run.params) {
        wire::Param& p = *r.mutable_describe()->add_params();
        p.set_key(key);
        p.set_value(value);
    }
    TS_TRY(toResult(m_spool.append(r)));
    return m_id.run;
}

common::Result RankRecorder::saveDatasetStats(int64_t, const std::string& split,
                                              const data::DatasetStats& stats)
{
    wire::Record r = record();
    toWire(stats, split, *r.mutable_stats());
    return toResult(m_spool.append(r));
}

common::Result RankRecorder::saveFittedPrep(int64_t, const std::string& json)
{
    wire::Record r = record();
    r.set_fitted_prep(json);
    return toResult(m_spool.append(r));
}

common::Result RankRecorder::reopenRun(int64_t)
{
    wire::Record r = record();
    r.set_reopen(true);
    return toResult(m_spool.append(r));
}

common::Result RankRecorder::appendMetric(const store::MetricPoint& point)
{
    wire::Metrics& metrics = *m_metrics.mutable_metrics();
    if (metrics.points_size() == 0)
        m_firstPending = std::chrono::steady_clock::now();
    wire::MetricPoint& p = *metrics.add_points();
    p.set_name(point.name);
    p.set_worker(point.worker);
    p.set_step(point.step);
    p.set_value(point.value);
    p.set_wall_time(point.wallTime);
    // The run's first point goes at once: a chart shows the run started without waiting.
    if (!m_flushedOnce || metrics.points_size() >= MaxPointsPerRecord
        || std::chrono::steady_clock::now() - m_firstPending >= MaxPointAge) {
        m_flushedOnce = true;
        return flushMetrics();
    }
    return {};
}

common::Result RankRecorder::flushMetrics()
{
    if (!m_metrics.has_metrics() || m_metrics.metrics().points_size() == 0)
        return {};
    m_metrics.mutable_metrics()->set_run(m_id.run);
    TS_TRY(toResult(m_spool.append(m_metrics)));
    m_metrics = record();
    return {};
}

common::Result RankRecorder::saveConfusionMatrix(int64_t, int64_t step, int64_t classes,
                                                 std::span<const int64_t> counts)
{
    TS_TRY(flushMetrics()); // the matrix after the points of its evaluation
    wire::Record r = record();
    r.mutable_confusion()->set_step(step);
    r.mutable_confusion()->set_classes(classes);
    r.mutable_confusion()->mutable_counts()->Add(counts.begin(), counts.end());
    return toResult(m_spool.append(r));
}

common::Result RankRecorder::checkpointSaved(int64_t, int64_t step, const std::string& path)
{
    auto bytes = common::readFileBytes(path);
    TS_TRY(bytes);
    TS_TRY(flushMetrics()); // every point before the checkpoint goes first
    wire::Record r = record();
    r.mutable_checkpoint()->set_step(step);
    TS_TRY(toResult(m_spool.append(r, *bytes)));
    return log(1, "checkpoint at step " + std::to_string(step));
}

common::Result RankRecorder::recordStaleness(int64_t, int worker,
                                             std::span<const int64_t> staleness)
{
    wire::Record r = record();
    r.mutable_staleness()->set_worker(worker);
    for (int64_t s : staleness)
        r.mutable_staleness()->add_values(s);
    return toResult(m_spool.append(r));
}

common::Result RankRecorder::addEvent(const store::RunEvent& event)
{
    wire::Record r = record();
    wire::RunEventRecord& e = *r.mutable_event();
    e.set_kind(event.kind);
    e.set_worker(event.worker);
    e.set_message(event.message);
    e.set_time(event.time > 0 ? event.time : unixNow());
    return toResult(m_spool.append(r));
}

common::Result RankRecorder::finishRun(int64_t, store::RunStatus status, const std::string& error)
{
    TS_TRY(flushMetrics());
    wire::Record r = record();
    r.mutable_end()->set_status(store::toString(status));
    r.mutable_end()->set_error(error);
    return toResult(m_spool.append(r));
}

} // namespace ts::agent
