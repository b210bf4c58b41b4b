#include "run_json.h"

#include <nlohmann/json.hpp>

namespace ts::cli {

using nlohmann::json;

json runJson(const store::RunSummary& run)
{
    json j = { { "id", run.id },
               { "experiment", run.experiment },
               { "name", run.name },
               { "status", store::toString(run.status) },
               { "backend", run.backend },
               { "created_at", run.createdAt },
               { "finished_at", run.finishedAt > 0 ? json(run.finishedAt) : json(nullptr) },
               { "metrics", run.finalMetrics } };
    if (!run.error.empty())
        j["error"] = run.error;
    return j;
}

json runJson(const store::RunDetails& run)
{
    json j = runJson(static_cast<const store::RunSummary&>(run));
    j["params"] = json::object();
    for (const auto& [key, value] : run.params)
        j["params"][key] = value;
    return j;
}

} // namespace ts::cli
