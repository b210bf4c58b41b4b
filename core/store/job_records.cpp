// ExperimentStore: the coordinator's job queue and the jobs' logs (tables jobs and job_logs,
// schema v6; store/job_types.h).
#include "store/experiment_store.h"
#include "store/experiment_store_private.h"

#include <array>
#include <chrono>

namespace ts::store {

using common::Error;
using common::ErrorKind;

namespace {

constexpr std::array<const char*, 6> StateNames { "queued",   "running", "paused",
                                                  "finished", "failed",  "cancelled" };

double nowSeconds()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();
}

constexpr const char* JobColumns =
        "SELECT id, coalesce(run_id, 0), experiment, name, pipeline_json, base_dir, priority, "
        "checkpoint_every, state, attempt, agent, checkpoint_step, submitted_at, started_at, "
        "finished_at, message, cancel_requested, device, ranks FROM jobs ";

common::Result readPlacement(sqlite3* db, const std::string& path, JobRecord& job)
{
    auto query = Statement::prepare(db, path,
                                    "SELECT agent, device, endpoint, ended FROM job_ranks "
                                    "WHERE job_id = ?1 ORDER BY rank");
    TS_TRY(query);
    query->bind(1, job.id);
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            return {};
        job.placement.push_back(
                { query->textAt(0), query->textAt(1), query->textAt(2), query->int64At(3) != 0 });
    }
}

common::Expected<JobRecord> readJob(const Statement& row, const std::string& path)
{
    JobRecord job;
    job.id = row.int64At(0);
    job.run = row.int64At(1);
    job.experiment = row.textAt(2);
    job.name = row.textAt(3);
    job.pipelineJson = row.textAt(4);
    job.baseDir = row.textAt(5);
    job.priority = static_cast<int>(row.int64At(6));
    job.checkpointEvery = row.int64At(7);
    const auto state = jobStateFromString(row.textAt(8));
    if (!state)
        return Error(ErrorKind::Corrupt,
                     path + ": job " + std::to_string(job.id) + " has the unknown state '"
                             + row.textAt(8) + "'");
    job.state = *state;
    job.attempt = static_cast<int>(row.int64At(9));
    job.agent = row.textAt(10);
    job.checkpointStep = row.int64At(11);
    job.submittedAt = row.doubleAt(12);
    job.startedAt = row.doubleAt(13);
    job.finishedAt = row.doubleAt(14);
    job.message = row.textAt(15);
    job.cancelRequested = row.int64At(16) != 0;
    job.device = row.textAt(17);
    job.ranks = static_cast<int>(row.int64At(18));
    return job;
}

} // namespace

std::string toString(JobState state)
{
    return StateNames[static_cast<size_t>(state)];
}

std::optional<JobState> jobStateFromString(const std::string& text)
{
    for (size_t i = 0; i < StateNames.size(); ++i)
        if (text == StateNames[i])
            return static_cast<JobState>(i);
    return std::nullopt;
}

common::Expected<int64_t> ExperimentStore::submitJob(const NewJob& job)
{
    if (job.pipelineJson.empty())
        return Error(ErrorKind::InvalidInput, "a job needs a pipeline");
    if (job.checkpointEvery < 0)
        return Error(ErrorKind::InvalidInput, "a job's checkpoint interval must be >= 0 steps");
    if (job.ranks < 1 || job.ranks > 1024)
        return Error(ErrorKind::InvalidInput,
                     "a job runs as 1 to 1024 ranks, not " + std::to_string(job.ranks));
    return d->withFullSync([&]() -> common::Expected<int64_t> {
        auto insert = Statement::prepare(
                d->db.get(), d->path,
                "INSERT INTO jobs (experiment, name, pipeline_json, base_dir, priority, "
                "checkpoint_every, state, submitted_at, ranks) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                "'queued', ?7, ?8)");
        TS_TRY(insert);
        insert->bind(1, job.experiment).bind(2, job.name).bind(3, job.pipelineJson);
        insert->bind(4, job.baseDir).bind(5, job.priority).bind(6, job.checkpointEvery);
        TS_TRY(insert->bind(7, nowSeconds()).bind(8, job.ranks).run());
        return sqlite3_last_insert_rowid(d->db.get());
    });
}

common::Result ExperimentStore::saveJob(const JobRecord& job)
{
    return d->withFullSync([&]() -> common::Result {
        Transaction transaction(d->db.get(), d->path);
        TS_TRY(transaction.begin());
        auto update = Statement::prepare(
                d->db.get(), d->path,
                "UPDATE jobs SET run_id = nullif(?2, 0), state = ?3, attempt = ?4, agent = ?5, "
                "checkpoint_step = ?6, started_at = ?7, finished_at = ?8, message = ?9, device = "
                "?10 "
                "WHERE id = ?1");
        TS_TRY(update);
        update->bind(1, job.id).bind(2, job.run).bind(3, toString(job.state));
        update->bind(4, job.attempt).bind(5, job.agent).bind(6, job.checkpointStep);
        update->bind(7, job.startedAt).bind(8, job.finishedAt).bind(9, job.message);
        update->bind(10, job.device);
        TS_TRY(update->run());
        if (sqlite3_changes(d->db.get()) == 0)
            return Error(ErrorKind::NotFound,
                         "no job " + std::to_string(job.id) + " in " + d->path);
        auto clear =
                Statement::prepare(d->db.get(), d->path, "DELETE FROM job_ranks WHERE job_id = ?1");
        TS_TRY(clear);
        TS_TRY(clear->bind(1, job.id).run());
        auto insert = Statement::prepare(
                d->db.get(), d->path,
                "INSERT INTO job_ranks (job_id, rank, agent, device, endpoint, ended) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
        TS_TRY(insert);
        for (size_t rank = 0; rank < job.placement.size(); ++rank) {
            const RankPlacement& p = job.placement[rank];
            insert->bind(1, job.id).bind(2, int64_t(rank)).bind(3, p.agent).bind(4, p.device);
            TS_TRY(insert->bind(5, p.endpoint).bind(6, int64_t(p.ended)).run());
        }
        return transaction.commit();
    });
}

common::Result ExperimentStore::requestCancel(int64_t id)
{
    auto current = job(id);
    TS_TRY(current);
    if (isEnded(current->state))
        return Error(ErrorKind::InvalidInput,
                     "job " + std::to_string(id) + " already " + toString(current->state)
                             + "; nothing to cancel");
    auto update = Statement::prepare(d->db.get(), d->path,
                                     "UPDATE jobs SET cancel_requested = 1 WHERE id = ?1");
    TS_TRY(update);
    return update->bind(1, id).run();
}

common::Expected<JobRecord> ExperimentStore::job(int64_t id)
{
    auto query =
            Statement::prepare(d->db.get(), d->path, std::string(JobColumns) + "WHERE id = ?1");
    TS_TRY(query);
    query->bind(1, id);
    auto row = query->step();
    TS_TRY(row);
    if (!*row)
        return Error(ErrorKind::NotFound, "no job " + std::to_string(id) + " in " + d->path);
    auto job = readJob(*query, d->path);
    TS_TRY(job);
    TS_TRY(readPlacement(d->db.get(), d->path, *job));
    return job;
}

common::Expected<std::vector<JobRecord>> ExperimentStore::jobs(bool activeOnly)
{
    auto query = Statement::prepare(
            d->db.get(), d->path,
            std::string(JobColumns)
                    + (activeOnly ? "WHERE state IN ('queued', 'running', 'paused') " : "")
                    + "ORDER BY id DESC");
    TS_TRY(query);
    std::vector<JobRecord> out;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            break;
        auto job = readJob(*query, d->path);
        TS_TRY(job);
        out.push_back(std::move(*job));
    }
    for (JobRecord& job : out)
        TS_TRY(readPlacement(d->db.get(), d->path, job));
    return out;
}

common::Result ExperimentStore::appendJobLog(const JobLogLine& line)
{
    auto insert = Statement::prepare(
            d->db.get(), d->path,
            "INSERT INTO job_logs (job_id, attempt, line, time, level, text) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (job_id, attempt, line) DO NOTHING");
    TS_TRY(insert);
    insert->bind(1, line.job).bind(2, line.attempt).bind(3, line.line);
    return insert->bind(4, line.time).bind(5, line.level).bind(6, line.text).run();
}

common::Expected<std::vector<JobLogLine>> ExperimentStore::jobLogs(int64_t job, int64_t afterId)
{
    auto query = Statement::prepare(d->db.get(), d->path,
                                    "SELECT id, attempt, line, time, level, text FROM job_logs "
                                    "WHERE job_id = ?1 AND id > ?2 ORDER BY id");
    TS_TRY(query);
    query->bind(1, job).bind(2, afterId);
    std::vector<JobLogLine> out;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            return out;
        out.push_back({ query->int64At(0), job, static_cast<int>(query->int64At(1)),
                        query->int64At(2), query->doubleAt(3), static_cast<int>(query->int64At(4)),
                        query->textAt(5) });
    }
}

common::Result
ExperimentStore::describeRun(int64_t run, const std::string& backend,
                             const std::vector<std::pair<std::string, std::string>>& params)
{
    sqlite3* db = d->db.get();
    Transaction transaction(db, d->path);
    TS_TRY(transaction.begin());
    auto update = Statement::prepare(db, d->path, "UPDATE runs SET backend = ?2 WHERE id = ?1");
    TS_TRY(update);
    TS_TRY(update->bind(1, run).bind(2, backend).run());
    if (sqlite3_changes(db) == 0)
        return Error(ErrorKind::NotFound, "no run " + std::to_string(run) + " in " + d->path);
    auto clear = Statement::prepare(db, d->path, "DELETE FROM params WHERE run_id = ?1");
    TS_TRY(clear);
    TS_TRY(clear->bind(1, run).run());
    auto param = Statement::prepare(db, d->path,
                                    "INSERT INTO params (run_id, key, value) VALUES (?1, ?2, ?3)");
    TS_TRY(param);
    for (const auto& [key, value] : params)
        if (auto stored = param->bind(1, run).bind(2, key).bind(3, value).run(); !stored)
            return std::move(stored).error().wrap("parameter '" + key + "'");
    return transaction.commit();
}

} // namespace ts::store
