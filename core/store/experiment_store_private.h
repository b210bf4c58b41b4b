// The state behind ExperimentStore's pointer to implementation, shared by the .cpp files that
// implement its parts (experiment_store.cpp, evaluation_records.cpp, feature_records.cpp,
// metric_queries.cpp, run_queries.cpp, run_records.cpp). Internal to core/store.
#pragma once

#include "store/experiment_store.h"
#include "store/sqlite_handles.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace ts::store {

// The run columns readRun() expects, then `tail` (WHERE / ORDER BY). Listings leave the pipeline
// out: it can be large and only the details view shows it.
std::string runQuery(bool withPipeline, const char* tail);
// The run of the current row of a runQuery() statement; Corrupt when its status is unknown.
common::Expected<RunDetails> readRun(const Statement& row, const std::string& path);
// The REAL at `column`, NaN where it is NULL: SQLite stores NaN as NULL (see the schema).
double valueAt(const Statement& row, int column);

struct ExperimentStore::Private
{
    std::string path;
    SqlitePtr db; // declared before the statements, so it is closed after they are finalized
    int schemaVersion = 0;
    std::optional<Statement> insertMetric; // prepared on the first batch, reused afterwards

    // Run-state changes must survive a power cut; metric batches may lose the last moments.
    template <typename Body> auto withFullSync(Body body) -> decltype(body())
    {
        TS_TRY(exec(db.get(), path, "PRAGMA synchronous = FULL"));
        auto result = body();
        auto restored = exec(db.get(), path, "PRAGMA synchronous = NORMAL");
        if (result && !restored)
            return std::move(restored).error();
        return result;
    }

    common::Result loadFinalMetrics(std::unordered_map<int64_t, RunSummary*>& runs, int64_t first,
                                    int64_t last);
    // Every run by id, with its parameters and final metrics (no pipeline, no metric names),
    // read from one snapshot in three queries (run_queries.cpp).
    common::Expected<std::vector<RunDetails>> loadRunsWithParams();
};

} // namespace ts::store
