#include "store/experiment_store.h"

#include "common/paths.h" // for userDataDir
#include "store/experiment_store_private.h"
#include "store/schema_migrations.h"
#include "store/sqlite_handles.h"

#include <chrono>
#include <filesystem>
#include <limits>
#include <optional>
#include <system_error>
#include <unordered_map>

namespace ts::store {
namespace {

// SQLite documents that a bare column next to max() comes from the row holding the maximum, so
// this reads the value at the highest step without a self-join.
constexpr const char* FinalMetricsSql = "SELECT run_id, name, value, max(step) FROM metrics "
                                        "WHERE worker = 0 AND run_id BETWEEN ?1 AND ?2 "
                                        "GROUP BY run_id, name";

double nowSeconds()
{
    using namespace std::chrono;
    return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::optional<RunStatus> statusFromString(const std::string& text)
{
    for (auto status :
         { RunStatus::Running, RunStatus::Finished, RunStatus::Failed, RunStatus::Cancelled }) {
        if (toString(status) == text)
            return status;
    }
    return std::nullopt;
}

// Why a read-only open refuses a file of schema version `version`, or nothing when it can read
// it. The reader cannot migrate, so it names the tool that can.
std::optional<common::Error> refuseVersion(int64_t version, const std::string& path)
{
    const std::string versions = "store schema version " + std::to_string(version);
    const std::string ours = std::to_string(ExperimentStore::SchemaVersion);
    if (version == 0) {
        return common::Error(common::ErrorKind::Corrupt,
                             path
                                     + ": not a TrainStudio store (it has no schema version); "
                                       "choose another store file");
    }
    if (version < ExperimentStore::SchemaVersion) {
        return common::Error(common::ErrorKind::Unsupported,
                             path + ": " + versions + " is older than this TrainStudio reads ("
                                     + ours + "); open it once with trainstudio-cli to upgrade");
    }
    if (version > ExperimentStore::SchemaVersion) {
        return common::Error(common::ErrorKind::Unsupported,
                             path + ": " + versions + " is newer than this TrainStudio supports ("
                                     + ours + "); use a newer TrainStudio");
    }
    return std::nullopt;
}

} // namespace

std::string runQuery(bool withPipeline, const char* tail)
{
    return std::string("SELECT r.id, e.name, r.name, r.status, r.backend, r.created_at, "
                       "r.finished_at, r.error, ")
            + (withPipeline ? "r.pipeline_json" : "''")
            + " FROM runs r JOIN experiments e ON e.id = r.experiment_id " + tail;
}

double valueAt(const Statement& row, int column)
{
    return row.isNull(column) ? std::numeric_limits<double>::quiet_NaN() : row.doubleAt(column);
}

common::Expected<RunDetails> readRun(const Statement& row, const std::string& path)
{
    RunDetails run;
    run.id = row.int64At(0);
    run.experiment = row.textAt(1);
    run.name = row.textAt(2);
    const auto status = statusFromString(row.textAt(3));
    if (!status) {
        return common::Error(common::ErrorKind::Corrupt,
                             path + ": run " + std::to_string(run.id) + " has the unknown status '"
                                     + row.textAt(3) + "'");
    }
    run.status = *status;
    run.backend = row.textAt(4);
    run.createdAt = row.doubleAt(5);
    run.finishedAt = row.isNull(6) ? 0 : row.doubleAt(6);
    run.error = row.textAt(7);
    run.pipelineJson = row.textAt(8);
    return run;
}

std::string toString(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return "running";
    case RunStatus::Finished:
        return "finished";
    case RunStatus::Failed:
        return "failed";
    case RunStatus::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

common::Result
ExperimentStore::Private::loadFinalMetrics(std::unordered_map<int64_t, RunSummary*>& runs,
                                           int64_t first, int64_t last)
{
    auto query = Statement::prepare(db.get(), path, FinalMetricsSql);
    TS_TRY(query);
    query->bind(1, first).bind(2, last);
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            return {};
        if (auto run = runs.find(query->int64At(0)); run != runs.end())
            run->second->finalMetrics[query->textAt(1)] = valueAt(*query, 2);
    }
}

std::string ExperimentStore::defaultPath()
{
    return common::userDataDir() + "/store.sqlite";
}

common::Expected<std::unique_ptr<ExperimentStore>> ExperimentStore::open(const std::string& path)
{
    const auto folder = std::filesystem::path(path).parent_path();
    if (std::error_code ec;
        !folder.empty() && !std::filesystem::create_directories(folder, ec) && ec) {
        return common::Error(common::ErrorKind::Io,
                             path + ": cannot create the folder " + folder.string() + ": "
                                     + ec.message());
    }

    auto d = std::make_unique<Private>();
    d->path = path;
    sqlite3* raw = nullptr;
    // NOMUTEX: an ExperimentStore is used by one thread at a time (see the header), so SQLite's
    // per-call connection mutex only costs time.
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    d->db.reset(raw); // owned even when the open failed: SQLite may still allocate a handle
    if (rc != SQLITE_OK)
        return sqliteError(raw, rc, path);

    sqlite3* db = d->db.get();
    sqlite3_busy_timeout(db, 5000);
    TS_TRY(exec(db, path, "PRAGMA foreign_keys = ON"));
    // Migrate before switching to WAL: switching rewrites the file header, and a file we refuse
    // (newer schema, other program) must stay byte-for-byte as it was.
    TS_TRY(migrate(db, path));
    // On file systems without shared memory SQLite keeps the old journal mode; the store still
    // works, only readers then wait for writers.
    TS_TRY(exec(db, path, "PRAGMA journal_mode = WAL"));
    TS_TRY(exec(db, path, "PRAGMA synchronous = NORMAL"));
    d->schemaVersion = ExperimentStore::SchemaVersion;
    return std::unique_ptr<ExperimentStore>(new ExperimentStore(std::move(d)));
}

common::Expected<std::unique_ptr<ExperimentStore>>
ExperimentStore::openReadOnly(const std::string& path)
{
    // SQLite's own message for a missing file ("unable to open database file") does not say
    // which of the file, its folder or the permissions is the problem.
    if (std::error_code ec; !std::filesystem::exists(path, ec)) {
        return common::Error(common::ErrorKind::NotFound,
                             path
                                     + ": no such store file; check the path, or run a training "
                                       "to create it");
    }
    auto d = std::make_unique<Private>();
    d->path = path;
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    d->db.reset(raw);
    if (rc != SQLITE_OK)
        return sqliteError(raw, rc, path);
    // WAL readers wait only in rare moments (a writer recovering the WAL index); then waiting
    // briefly beats failing a chart refresh.
    sqlite3_busy_timeout(d->db.get(), 5000);

    auto version = Statement::prepare(d->db.get(), path, "PRAGMA user_version");
    TS_TRY(version);
    auto row = version->step();
    TS_TRY(row);
    const int64_t fileVersion = *row ? version->int64At(0) : 0;
    if (auto refused = refuseVersion(fileVersion, path))
        return std::move(*refused);
    d->schemaVersion = int(fileVersion);
    return std::unique_ptr<ExperimentStore>(new ExperimentStore(std::move(d)));
}

ExperimentStore::ExperimentStore(std::unique_ptr<Private> d)
    : d(std::move(d))
{}

ExperimentStore::~ExperimentStore() = default;

const std::string& ExperimentStore::path() const
{
    return d->path;
}

int ExperimentStore::schemaVersion() const
{
    return d->schemaVersion;
}

common::Expected<int64_t> ExperimentStore::createRun(const NewRun& run)
{
    return d->withFullSync([&]() -> common::Expected<int64_t> {
        sqlite3* db = d->db.get();
        Transaction transaction(db, d->path);
        TS_TRY(transaction.begin());
        const double now = nowSeconds();

        auto experiment = Statement::prepare(db, d->path,
                                             "INSERT INTO experiments (name, created_at) "
                                             "VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING");
        TS_TRY(experiment);
        TS_TRY(experiment->bind(1, run.experiment).bind(2, now).run());

        auto insertRun = Statement::prepare(
                db, d->path,
                "INSERT INTO runs (experiment_id, name, status, backend, pipeline_json, "
                "created_at) "
                "SELECT id, ?2, 'running', ?3, ?4, ?5 FROM experiments WHERE name = ?1");
        TS_TRY(insertRun);
        insertRun->bind(1, run.experiment).bind(2, run.name).bind(3, run.backend);
        TS_TRY(insertRun->bind(4, run.pipelineJson).bind(5, now).run());
        const int64_t id = sqlite3_last_insert_rowid(db);

        auto param = Statement::prepare(db, d->path,
                                        "INSERT INTO params (run_id, key, value) "
                                        "VALUES (?1, ?2, ?3)");
        TS_TRY(param);
        for (const auto& [key, value] : run.params) {
            if (auto stored = param->bind(1, id).bind(2, key).bind(3, value).run(); !stored)
                return std::move(stored).error().wrap("parameter '" + key + "'");
        }
        TS_TRY(transaction.commit());
        return id;
    });
}

common::Result ExperimentStore::appendMetrics(std::span<const MetricPoint> points)
{
    if (points.empty())
        return {};
    sqlite3* db = d->db.get();
    if (!d->insertMetric) {
        auto insert = Statement::prepare(
                db, d->path,
                "INSERT INTO metrics (run_id, name, worker, step, value, wall_time) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING");
        TS_TRY(insert);
        d->insertMetric.emplace(std::move(*insert));
    }
    Transaction transaction(db, d->path);
    TS_TRY(transaction.begin());
    Statement& insert = *d->insertMetric;
    for (const auto& point : points) {
        insert.bind(1, point.run).bindStatic(2, point.name).bind(3, point.worker);
        insert.bind(4, point.step);
        if (auto stored = insert.bind(5, point.value).bind(6, point.wallTime).run(); !stored) {
            return std::move(stored).error().wrap("metric '" + point.name + "' of run "
                                                  + std::to_string(point.run) + " at step "
                                                  + std::to_string(point.step));
        }
    }
    return transaction.commit();
}

common::Result ExperimentStore::finishRun(int64_t run, RunStatus status, const std::string& error)
{
    if (status == RunStatus::Running) {
        return common::Error(common::ErrorKind::Internal,
                             "finishRun(" + std::to_string(run) + ") needs a final status");
    }
    return d->withFullSync([&]() -> common::Result {
        sqlite3* db = d->db.get();
        Transaction transaction(db, d->path);
        TS_TRY(transaction.begin());
        auto update = Statement::prepare(db, d->path,
                                         "UPDATE runs SET status = ?2, finished_at = ?3, "
                                         "error = ?4 WHERE id = ?1");
        TS_TRY(update);
        update->bind(1, run).bind(2, toString(status)).bind(3, nowSeconds()).bind(4, error);
        TS_TRY(update->run());
        if (sqlite3_changes(db) == 0) {
            return common::Error(common::ErrorKind::NotFound,
                                 "no run " + std::to_string(run) + " in " + d->path);
        }
        return transaction.commit();
    });
}

common::Result ExperimentStore::reopenRun(int64_t run)
{
    // One statement, atomic on its own: the run changes only when it exists and did not finish.
    const auto reopened = d->withFullSync([&]() -> common::Expected<int> {
        auto update = Statement::prepare(d->db.get(), d->path,
                                         "UPDATE runs SET status = 'running', finished_at = NULL, "
                                         "error = '' WHERE id = ?1 AND status != 'finished'");
        TS_TRY(update);
        TS_TRY(update->bind(1, run).run());
        return sqlite3_changes(d->db.get());
    });
    TS_TRY(reopened);
    if (*reopened > 0)
        return {};
    auto details = runDetails(run); // NotFound, or the run finished
    if (!details)
        return std::move(details).error();
    return common::Error(common::ErrorKind::InvalidInput,
                         "run " + std::to_string(run) + " already finished");
}

common::Expected<std::vector<RunSummary>> ExperimentStore::listRuns()
{
    // The runs and their metrics come from one snapshot, even while a run is writing.
    Transaction snapshot(d->db.get(), d->path, Transaction::Mode::Read);
    TS_TRY(snapshot.begin());

    auto query = Statement::prepare(d->db.get(), d->path,
                                    runQuery(false, "ORDER BY r.created_at DESC, r.id DESC"));
    TS_TRY(query);
    std::vector<RunSummary> runs;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            break;
        auto run = readRun(*query, d->path);
        TS_TRY(run);
        runs.push_back(std::move(static_cast<RunSummary&>(*run)));
    }

    std::unordered_map<int64_t, RunSummary*> byId;
    for (auto& run : runs)
        byId[run.id] = &run;
    TS_TRY(d->loadFinalMetrics(byId, 0, std::numeric_limits<int64_t>::max()));
    return runs;
}

common::Expected<RunDetails> ExperimentStore::runDetails(int64_t run)
{
    Transaction snapshot(d->db.get(), d->path, Transaction::Mode::Read);
    TS_TRY(snapshot.begin());

    auto query = Statement::prepare(d->db.get(), d->path, runQuery(true, "WHERE r.id = ?1"));
    TS_TRY(query);
    auto row = query->bind(1, run).step();
    TS_TRY(row);
    if (!*row) {
        return common::Error(common::ErrorKind::NotFound,
                             "no run " + std::to_string(run) + " in " + d->path);
    }
    auto details = readRun(*query, d->path);
    TS_TRY(details);

    // rowid order is insertion order: parameters come back as the pipeline listed them.
    auto params = Statement::prepare(d->db.get(), d->path,
                                     "SELECT key, value FROM params WHERE run_id = ?1 "
                                     "ORDER BY rowid");
    TS_TRY(params);
    params->bind(1, run);
    while (true) {
        auto param = params->step();
        TS_TRY(param);
        if (!*param)
            break;
        details->params.emplace_back(params->textAt(0), params->textAt(1));
    }

    auto names = Statement::prepare(d->db.get(), d->path,
                                    "SELECT DISTINCT name FROM metrics WHERE run_id = ?1 "
                                    "ORDER BY name");
    TS_TRY(names);
    names->bind(1, run);
    while (true) {
        auto name = names->step();
        TS_TRY(name);
        if (!*name)
            break;
        details->metricNames.push_back(names->textAt(0));
    }

    std::unordered_map<int64_t, RunSummary*> byId { { run, &*details } };
    TS_TRY(d->loadFinalMetrics(byId, run, run));
    return details;
}

common::Expected<std::vector<MetricPoint>>
ExperimentStore::metricSeries(int64_t run, const std::string& name, int worker)
{
    auto query = Statement::prepare(d->db.get(), d->path,
                                    "SELECT step, value, wall_time FROM metrics "
                                    "WHERE run_id = ?1 AND name = ?2 AND worker = ?3 "
                                    "ORDER BY step");
    TS_TRY(query);
    query->bind(1, run).bind(2, name).bind(3, worker);
    std::vector<MetricPoint> points;
    while (true) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            return points;
        points.push_back(
                { run, name, worker, query->int64At(0), valueAt(*query, 1), query->doubleAt(2) });
    }
}

} // namespace ts::store
