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

constexpr const char* Steps[] = { StepV1, StepV2, StepV3, StepV4 };
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
