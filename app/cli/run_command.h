// trainstudio-cli run PIPELINE: trains a pipeline on this machine and stores the run.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace ts::cli {

// Adds the "run" subcommand to `app`; `exitCode` receives the command's result.
void addRunCommand(CLI::App& app, int& exitCode);

} // namespace ts::cli
