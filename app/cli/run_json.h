// The JSON of a run that `runs list`, `runs show` and `runs export` print, written in one place so
// scripts see the same fields everywhere.
#pragma once

#include "store/experiment_store.h"

#include <nlohmann/json_fwd.hpp>

namespace ts::cli {

// id, experiment, name, status, backend, created_at, finished_at (null while running), metrics
// (the final values) and error (when it failed).
nlohmann::json runJson(const store::RunSummary& run);
// The same with "params".
nlohmann::json runJson(const store::RunDetails& run);

} // namespace ts::cli
