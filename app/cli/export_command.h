// trainstudio-cli runs export ID: a run's metrics as CSV or JSON, for notebooks and spreadsheets.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace ts::cli {

// Adds "export" to the "runs" subcommand `runs`; `store` is the --store value the caller owns.
void addExportCommand(CLI::App& runs, int& exitCode);

} // namespace ts::cli
