#include "cli_common.h"

#include <ctime>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>

namespace ts::cli {

void addStoreOption(CLI::App& command, std::string& store)
{
    command.add_option("--store", store,
                       "Experiment store file (default: $XDG_DATA_HOME/trainstudio/store.sqlite)");
}

common::Expected<std::unique_ptr<store::ExperimentStore>> openExistingStore(std::string path)
{
    if (path.empty())
        path = store::ExperimentStore::defaultPath();
    if (!std::filesystem::exists(path))
        return common::Error(common::ErrorKind::NotFound,
                             path
                                     + ": no experiment store here yet (a first "
                                       "'trainstudio-cli run PIPELINE' creates it)");
    return store::ExperimentStore::open(path);
}

int reportError(const common::Error& error)
{
    std::fprintf(stderr, "trainstudio-cli: error: %s\n", error.message().c_str());
    return common::isUserError(error.kind()) ? ExitBadInput : ExitFailure;
}

std::string localTime(double unixSeconds)
{
    if (unixSeconds <= 0)
        return "-";
    const std::time_t t = static_cast<std::time_t>(unixSeconds);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
    return text;
}

} // namespace ts::cli
