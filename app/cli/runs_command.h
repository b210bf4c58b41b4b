// trainstudio-cli runs list | runs show ID | runs export ID: reading the experiment store.
#pragma once

#include <CLI/CLI.hpp>

namespace ts::cli {

// Adds the "runs" subcommand (with "list", "show" and "export") to `app`.
void addRunsCommand(CLI::App& app, int& exitCode);

} // namespace ts::cli
