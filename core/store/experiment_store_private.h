// The state behind ExperimentStore's pointer to implementation, shared by the .cpp files that
// implement its parts (experiment_store.cpp, evaluation_records.cpp, feature_records.cpp).
// Internal to core/store.
#pragma once

#include "store/experiment_store.h"
#include "store/sqlite_handles.h"

#include <optional>
#include <string>
#include <unordered_map>

namespace ts::store {

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
};

} // namespace ts::store
