// trainstudio-cli: the headless face of TrainStudio. Runs pipelines and reads the store.
#include "agents_command.h"
#include "cli_common.h"
#include "common/paths.h"
#include "data_command.h"
#include "jobs_command.h"
#include "run_command.h"
#include "runs_command.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv)
{
    CLI::App app { "TrainStudio command line: train pipelines and query the experiment store",
                   "trainstudio-cli" };
    app.set_version_flag("--version", std::string("trainstudio-cli ") + ts::common::version());
    app.require_subcommand(1);
    int exitCode = ts::cli::ExitOk;
    ts::cli::addRunCommand(app, exitCode);
    ts::cli::addRunsCommand(app, exitCode);
    ts::cli::addDataCommand(app, exitCode);
    ts::cli::addAgentsCommand(app, exitCode);
    ts::cli::addJobsCommands(app, exitCode);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // Usage mistakes are bad input too: exit 2 with CLI11's message.
        const int rc = app.exit(e);
        return rc == 0 ? 0 : ts::cli::ExitBadInput;
    }
    return exitCode;
}
