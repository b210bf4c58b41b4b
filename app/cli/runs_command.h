// trainstudio-cli runs list | runs show ID: reading the experiment store.
#pragma once

#include <CLI/CLI.hpp>

namespace ts::cli {

// Adds the "runs" subcommand (with "list" and "show") to `app`.
void addRunsCommand(CLI::App& app, int& exitCode);

} // namespace ts::cli
