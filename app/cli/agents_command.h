// trainstudio-cli agents list | add | remove: the agents a coordinator trusts.
#pragma once

#include <CLI/CLI.hpp>

namespace ts::cli {

// Adds the "agents" subcommand to `app`.
void addAgentsCommand(CLI::App& app, int& exitCode);

} // namespace ts::cli
