// trainstudio-cli data preview PIPELINE: what a pipeline's data looks like before training.
#pragma once

#include <CLI/CLI.hpp>

namespace ts::cli {

// Adds the "data" subcommand (with "preview") to `app`. Preview reads and prepares the data of a
// pipeline (derive, hold-out, scaling fitted on the training split) without touching the store,
// then prints the first rows, the raw per-feature statistics and the label balance.
void addDataCommand(CLI::App& app, int& exitCode);

} // namespace ts::cli
