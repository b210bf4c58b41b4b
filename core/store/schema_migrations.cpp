#include "store/schema_migrations.h"

#include "store/experiment_store.h" // for ExperimentStore::SchemaVersion
#include "store/sqlite_handles.h"

#include <iterator>

namespace ts::store {
namespace {

// v1: runs of experiments, their parameters and their metric points.
// A metric value is NULL where the run produced NaN: SQLite stores NaN as NULL, and a diverging
// loss must still be recorded. metrics is WITHOUT ROWID because its primary key is the only way
// it is read, and it makes a replayed point a cheap conflict instead of a duplicate.
constexpr const char* StepV1 = R"sql(
CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT UNIQUE NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'cancelled')),
    backend TEXT NOT NULL DEFAULT '',
    pipeline_json TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    finished_at REAL,
    error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX runs_by_experiment ON runs(experiment_id);
CREATE TABLE params (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
CREATE TABLE metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    worker INTEGER NOT NULL,
    step INTEGER NOT NULL,
    value REAL,
    wall_time REAL NOT NULL,
    PRIMARY KEY (run_id, name, worker, step)
) WITHOUT ROWID;
)sql";

// v2: the confusion matrix of each evaluation (per run and step), cell by cell, so a matrix of
// any class count fits and the studio can query one cell or the whole matrix.
constexpr const char* StepV2 = R"sql(
CREATE TABLE confusion_matrices (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    actual INTEGER NOT NULL,
    predicted INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (run_id, step, actual, predicted)
) WITHOUT ROWID;
)sql";

// v3: the statistics of each run's train and test data (data/feature_stats.h), the reference of
// drift monitoring. A feature's statistics are one JSON object (quantiles and bins are read whole,
// never queried value by value); label counts are rows so the class balance is plain SQL.
constexpr const char* StepV3 = R"sql(
CREATE TABLE feature_stats (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split TEXT NOT NULL CHECK (split IN ('train', 'test')),
    feature INTEGER NOT NULL,
    name TEXT NOT NULL,
    json TEXT NOT NULL,
    PRIMARY KEY (run_id, split, feature)
) WITHOUT ROWID;
CREATE TABLE label_counts (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split TEXT NOT NULL CHECK (split IN ('train', 'test')),
    label INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (run_id, split, label)
) WITHOUT ROWID;
)sql";

// v4: the fitted preprocessing of each run (data/fitted_prep.h), one JSON document: applying it
// to new raw rows gives the model's input exactly as in training; the deployment bundle and the
// data preview read it back whole.
constexpr const char* StepV4 = R"sql(
CREATE TABLE fitted_preps (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    json TEXT NOT NULL
);
)sql";

// v5: the rest of a run's story, for distributed runs and deployment. runs.strategy names how it
// trained ("single", "ring", "parameter_server"); files of v4 only ran single-process.
// - workers: where each rank ran, so a timeline and a straggler report can name the machine.
//   WITHOUT ROWID: always read by run, and a re-registered rank replaces its row.
// - events: the run's timeline (worker lost, resumed, straggler). The rowid alias is the id a
//   timeline polls after; the (run_id, id) index makes that poll a range scan.
// - staleness: the histogram of how stale the parameter server's applied updates were, one row
//   per (worker, staleness) whose count grows, so a long run stores a few rows, not one per update.
// - artifacts: the files a run wrote (checkpoints, models, exports) with their hash, so a
//   deployment can prove it ships the file that was evaluated. One row per path of a run.
// - agents: the machines the studio dispatches work to, with the public key it pins for them.
// - deployments: a run's model bundled for serving. Without ON DELETE CASCADE: a run that is
//   deployed cannot be deleted from under its deployment.
// - drift_reports: per feature, how far the served data moved from the run's training statistics
//   (feature_stats): the PSI and Kolmogorov-Smirnov statistics over `rows` served rows (ks is
//   NULL for a categorical feature, which has no order to test).
constexpr const char* StepV5 = R"sql(
ALTER TABLE runs ADD COLUMN strategy TEXT NOT NULL DEFAULT 'single';
CREATE TABLE workers (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    agent TEXT NOT NULL DEFAULT '',
    device TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, rank)
) WITHOUT ROWID;
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    time REAL NOT NULL,
    kind TEXT NOT NULL,
    worker INTEGER,
    message TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_by_run ON events(run_id, id);
CREATE TABLE staleness (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    worker INTEGER NOT NULL,
    staleness INTEGER NOT NULL CHECK (staleness >= 0),
    count INTEGER NOT NULL,
    PRIMARY KEY (run_id, worker, staleness)
) WITHOUT ROWID;
CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (run_id, path)
);
CREATE TABLE agents (
    id INTEGER PRIMARY KEY,
    name TEXT UNIQUE NOT NULL,
    address TEXT NOT NULL,
    public_key TEXT NOT NULL DEFAULT '',
    added_at REAL NOT NULL,
    last_seen REAL
);
CREATE TABLE deployments (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id),
    bundle_path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX deployments_by_run ON deployments(run_id);
CREATE TABLE drift_reports (
    id INTEGER PRIMARY KEY,
    deployment_id INTEGER NOT NULL REFERENCES deployments(id) ON DELETE CASCADE,
    time REAL NOT NULL,
    feature TEXT NOT NULL,
    psi REAL,
    ks REAL,
    rows INTEGER NOT NULL
);
CREATE INDEX drift_reports_by_deployment ON drift_reports(deployment_id, time);
)sql";

// v6: the coordinator's job queue, where the ranks of each job's current attempt run
// (job_ranks), and the jobs' logs (store/job_types.h). A job's run is NULL
// until it first starts; deleting its run keeps the job (SET NULL) so the queue's history stays.
// job_logs: UNIQUE (job, attempt, line) makes a log line replayed by an agent a no-op.
constexpr const char* StepV6 = R"sql(
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    run_id INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    experiment TEXT NOT NULL,
    name TEXT NOT NULL,
    pipeline_json TEXT NOT NULL,
    base_dir TEXT NOT NULL,
    priority INTEGER NOT NULL DEFAULT 0,
    checkpoint_every INTEGER NOT NULL DEFAULT 0,
    ranks INTEGER NOT NULL DEFAULT 1 CHECK (ranks >= 1),
    state TEXT NOT NULL,
    attempt INTEGER NOT NULL DEFAULT 0,
    agent TEXT NOT NULL DEFAULT '',
    device TEXT NOT NULL DEFAULT '',
    checkpoint_step INTEGER NOT NULL DEFAULT -1,
    submitted_at REAL NOT NULL,
    started_at REAL NOT NULL DEFAULT 0,
    finished_at REAL NOT NULL DEFAULT 0,
    message TEXT NOT NULL DEFAULT '',
    cancel_requested INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_state ON jobs(state, priority, id);
CREATE TABLE job_ranks (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    agent TEXT NOT NULL,
    device TEXT NOT NULL,
    endpoint TEXT NOT NULL DEFAULT '',
    ended INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (job_id, rank)
) WITHOUT ROWID;
CREATE TABLE job_logs (
    id INTEGER PRIMARY KEY,
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    line INTEGER NOT NULL,
    time REAL NOT NULL,
    level INTEGER NOT NULL,
    text TEXT NOT NULL,
    UNIQUE (job_id, attempt, line)
);
)sql";

constexpr const char* Steps[] = { StepV1, StepV2, StepV3, StepV4, StepV5, StepV6 };
static_assert(std::size(Steps) == ExperimentStore::SchemaVersion,
              "every schema version needs exactly one migration step");

common::Expected<int64_t> scalar(sqlite3* db, const std::string& path, const char* sql)
{
    auto query = Statement::prepare(db, path, sql);
    TS_TRY(query);
    auto row = query->step();
    TS_TRY(row);
    return *row ? query->int64At(0) : 0;
}

} // namespace

std::span<const char* const> migrationSteps()
{
    return Steps;
}

common::Result migrate(sqlite3* db, const std::string& path)
{
    Transaction transaction(db, path);
    TS_TRY(transaction.begin());

    auto version = scalar(db, path, "PRAGMA user_version");
    TS_TRY(version);
    if (*version > ExperimentStore::SchemaVersion) {
        return common::Error(common::ErrorKind::Unsupported,
                             path + ": store schema version " + std::to_string(*version)
                                     + " is newer than this TrainStudio supports ("
                                     + std::to_string(ExperimentStore::SchemaVersion)
                                     + "); use a newer TrainStudio");
    }
    if (*version == ExperimentStore::SchemaVersion)
        return {}; // the transaction only read; rolling it back writes nothing

    if (*version == 0) {
        // An unversioned file with tables belongs to some other program: adding ours would
        // scribble into the user's data.
        auto tables = scalar(db, path, "SELECT count(*) FROM sqlite_master");
        TS_TRY(tables);
        if (*tables > 0) {
            return common::Error(common::ErrorKind::Corrupt,
                                 path
                                         + ": an SQLite database that is not a TrainStudio store "
                                           "(it has tables but no schema version); choose another "
                                           "store file");
        }
    }

    for (auto step = *version + 1; step <= ExperimentStore::SchemaVersion; ++step) {
        if (auto applied = exec(db, path, Steps[step - 1]); !applied) {
            return std::move(applied).error().wrap("migrating the store to schema version "
                                                   + std::to_string(step));
        }
    }
    // PRAGMA takes no bound parameters; the value is our own integer.
    const std::string setVersion =
            "PRAGMA user_version = " + std::to_string(ExperimentStore::SchemaVersion);
    TS_TRY(exec(db, path, setVersion.c_str()));
    return transaction.commit();
}

} // namespace ts::store
