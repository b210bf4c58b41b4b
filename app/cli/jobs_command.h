// trainstudio-cli jobs submit | list | cancel | logs, and trainstudio-cli coordinator: the job
// queue of a store and the coordinator that serves it (app/cli/local_cluster.h).
#pragma once

#include <CLI/CLI.hpp>

namespace ts::cli {

// Adds the "jobs" and "coordinator" subcommands to `app`.
void addJobsCommands(CLI::App& app, int& exitCode);

} // namespace ts::cli
