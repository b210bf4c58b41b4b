// JobControl: the records an agent forwards for its ranks, stored into the experiment store
// (train/run_recorder.h says what each is). Every record may come twice and is stored once.
#include "cluster/job_control.h"

#include "cluster/job_control_private.h"
#include "common/file_io.h"
#include "train/pipeline_runner.h" // for checkpointPathOf

#include <filesystem>
#include <map>

namespace ts::cluster {

using common::Error;
using common::ErrorKind;
using store::JobRecord;
using store::JobState;

namespace {

// Log lines the coordinator adds to a job's log are numbered above any line a rank numbers.
constexpr int64_t CoordinatorLines = int64_t(1) << 40;

data::DatasetStats statsOf(const wire::DatasetStats& wire)
{
    data::DatasetStats stats;
    stats.rows = wire.rows();
    stats.labelCounts.assign(wire.label_counts().begin(), wire.label_counts().end());
    for (const wire::FeatureStats& f : wire.features()) {
        data::FeatureStats s;
        s.name = f.name();
        s.count = f.count();
        s.missing = f.missing();
        s.mean = f.mean();
        s.stddev = f.stddev();
        s.min = f.min();
        s.max = f.max();
        s.quantiles.assign(f.quantiles().begin(), f.quantiles().end());
        s.binEdges.assign(f.bin_edges().begin(), f.bin_edges().end());
        s.binCounts.assign(f.bin_counts().begin(), f.bin_counts().end());
        s.categories.assign(f.categories().begin(), f.categories().end());
        stats.features.push_back(std::move(s));
    }
    return stats;
}

} // namespace

common::Result JobControl::applyOne(JobRecord& job, const std::string& agentId,
                                    const wire::Record& record,
                                    std::span<const std::string_view> payloads)
{
    const size_t rank = size_t(record.rank());
    // Of the attempt running now, from the agent it was placed on; or of the attempt that was
    // paused and not yet started again (its rank may have finished while the coordinator was
    // away: that outcome still counts; a cancel or a crash after the pause does not).
    const bool placed = record.attempt() == job.attempt && rank < job.placement.size()
            && job.placement[rank].agent == agentId;
    const bool current = placed && job.state == JobState::Running;
    const bool pausedAttempt = placed && job.state == JobState::Paused;
    const int64_t run = job.run;
    switch (record.kind_case()) {
    case wire::Record::kDescribe: {
        std::vector<std::pair<std::string, std::string>> params;
        for (const wire::Param& p : record.describe().params())
            params.emplace_back(p.key(), p.value());
        return rank == 0 ? m_store->describeRun(run, record.describe().backend(), params)
                         : common::Result();
    }
    case wire::Record::kStats:
        return rank == 0
                ? m_store->saveDatasetStats(run, record.stats().split(), statsOf(record.stats()))
                : common::Result();
    case wire::Record::kFittedPrep:
        return rank == 0 ? m_store->saveFittedPrep(run, record.fitted_prep()) : common::Result();
    case wire::Record::kReopen:
        return {}; // the coordinator set the run running when it started the attempt
    case wire::Record::kMetrics: {
        std::vector<store::MetricPoint> points;
        points.reserve(size_t(record.metrics().points_size()));
        for (const wire::MetricPoint& p : record.metrics().points())
            points.push_back({ run, p.name(), p.worker(), p.step(), p.value(), p.wall_time() });
        TS_TRY(m_store->appendMetrics(points));
        if (!current || job.placement.size() < 2)
            return {};
        StragglerDetector& detector = m_stragglers[job.id];
        for (const store::MetricPoint& p : points)
            if (auto slow = detector.add(p.worker, p.name, p.step, p.value)) {
                TS_TRY(m_store->addEvent(
                        { 0, run, unixNow(), "straggler", slow->worker, slow->message }));
                note("job " + std::to_string(job.id) + ": " + slow->message);
            }
        return {};
    }
    case wire::Record::kConfusion: {
        const auto& m = record.confusion();
        if (rank != 0 || m.classes() <= 0 || m.counts_size() != m.classes() * m.classes())
            return {}; // rank 0's, well formed (the codec checked the frame, not the matrix)
        std::vector<int64_t> counts(m.counts().begin(), m.counts().end());
        return m_store->saveConfusionMatrix(run, m.step(), m.classes(), counts);
    }
    case wire::Record::kCheckpoint: {
        if (!(current || pausedAttempt) || rank != 0
            || record.checkpoint().step() <= job.checkpointStep)
            return {};
        // Renamed into place: a resume reads the old checkpoint or the new one, never a part.
        std::error_code ec;
        std::filesystem::create_directories(train::checkpointFolder(m_store->path()), ec);
        TS_TRY(common::writeFileAtomically(train::checkpointPathOf(m_store->path(), run),
                                           payloads[record.checkpoint().payload()]));
        job.checkpointStep = record.checkpoint().step();
        return m_store->saveJob(job);
    }
    case wire::Record::kEndpoint: {
        if (!current || job.placement[rank].ended || !job.placement[rank].endpoint.empty())
            return {};
        job.placement[rank].endpoint = record.endpoint();
        TS_TRY(m_store->saveJob(job));
        bool all = true;
        for (const store::RankPlacement& p : job.placement)
            all = all && !p.endpoint.empty();
        if (all)
            sendRendezvous(job);
        return {};
    }
    case wire::Record::kEnd: {
        const std::string& status = record.end().status();
        if (pausedAttempt && status == "finished" && !job.placement[rank].ended) {
            job.placement[rank].ended = true;
            for (const store::RankPlacement& p : job.placement)
                if (!p.ended)
                    return m_store->saveJob(job);
            end(job, JobState::Finished, {});
            return {};
        }
        if (!current || job.placement[rank].ended)
            return {};
        job.placement[rank].ended = true;
        if (status != "finished") {
            end(job, status == "cancelled" ? JobState::Cancelled : JobState::Failed,
                job.placement.size() > 1 && status != "cancelled"
                        ? "rank " + std::to_string(rank) + ": " + record.end().error()
                        : record.end().error());
            return {};
        }
        for (const store::RankPlacement& p : job.placement)
            if (!p.ended)
                return m_store->saveJob(job); // the others are still training
        end(job, JobState::Finished, {});
        return {};
    }
    case wire::Record::kStaleness: {
        if (!current && !pausedAttempt)
            return {}; // a stale attempt's updates were replaced by its successor's
        const auto& values = record.staleness().values();
        for (int64_t v : values)
            if (v < 0)
                return {}; // malformed; the store refuses it too
        std::vector<int64_t> staleness(values.begin(), values.end());
        return m_store->recordStaleness(run, record.staleness().worker(), staleness);
    }
    case wire::Record::kEvent: {
        const wire::RunEventRecord& e = record.event();
        if (e.kind().empty())
            return {};
        TS_TRY(m_store->addEvent({ 0, run, e.time(), e.kind(), e.worker(), e.message() }));
        return {};
    }
    case wire::Record::kLog: {
        const wire::Log& l = record.log();
        // Ranks number their lines from 1; rank r's lines go after rank r-1's in the key.
        return m_store->appendJobLog({ 0, job.id, record.attempt(),
                                       int64_t(rank) * CoordinatorLines / 1024 + l.line(), l.time(),
                                       l.level(), l.text() });
    }
    case wire::Record::kExit: {
        const wire::RankExit& e = record.exit();
        const std::string what = "rank " + std::to_string(rank) + " exited"
                + (e.exit_code() < 0 ? " on signal " + std::to_string(-e.exit_code())
                                     : " with code " + std::to_string(e.exit_code()))
                + (e.message().empty() ? "" : ": " + e.message());
        TS_TRY(m_store->appendJobLog({ 0, job.id, record.attempt(),
                                       CoordinatorLines + int64_t(rank), unixNow(),
                                       e.exit_code() == 0 ? 1 : 3, what }));
        // It ended without saying how: a crash, which fails the job unless it goes on without.
        if (current && !job.placement[rank].ended && !goOnWithout(job, rank, what))
            end(job, JobState::Failed, what);
        return {};
    }
    case wire::Record::KIND_NOT_SET:
        break;
    }
    return {};
}

common::Result JobControl::apply(const std::string& agentId, const wire::Records& records,
                                 std::span<const std::string_view> payloads)
{
    std::map<int64_t, JobRecord> jobs; // read once per batch, updated as records apply
    for (const wire::Record& record : records.records()) {
        auto found = jobs.find(record.job());
        if (found == jobs.end()) {
            auto job = m_store->job(record.job());
            if (!job && job.error().kind() == ErrorKind::NotFound)
                continue; // a job deleted from the store: nothing to keep
            TS_TRY(job);
            found = jobs.emplace(record.job(), std::move(*job)).first;
        }
        if (found->second.run == 0 || record.run() != found->second.run || record.rank() < 0)
            continue; // not a run this coordinator started for the job
        if (auto applied = applyOne(found->second, agentId, record, payloads); !applied)
            return std::move(applied).error().wrap("storing record "
                                                   + std::to_string(record.sequence()) + " of "
                                                   + jobName(found->second) + " from " + agentId);
    }
    return {};
}

} // namespace ts::cluster
