#include "cli_common.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace ts::cli {

void addStoreOption(CLI::App& command, std::string& store)
{
    command.add_option("--store", store,
                       "Experiment store file (default: $XDG_DATA_HOME/trainstudio/store.sqlite)");
}

int reportError(const common::Error& error)
{
    std::fprintf(stderr, "trainstudio-cli: error: %s\n", error.message().c_str());
    return common::isUserError(error.kind()) ? ExitBadInput : ExitFailure;
}

} // namespace ts::cli
