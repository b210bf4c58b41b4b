// trainstudio-agent: the daemon that runs job ranks on a lab machine. --init creates its
// identity (its CURVE key pair, like ssh-keygen); --coordinator registers with a coordinator,
// heartbeats, and runs the ranks it is assigned as child processes of this same program
// (--rank-dir, agent/rank_process.h), confined to its --data-root folders.
#include "agent/job_runner.h"
#include "agent/rank_process.h"
#include "cluster/agent_client.h"
#include "common/paths.h"
#include "net/curve_keys.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace {

enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitBadInput = 2 };

int fail(const ts::common::Error& error)
{
    std::fprintf(stderr, "trainstudio-agent: error: %s\n", error.message().c_str());
    return ts::common::isUserError(error.kind()) ? ExitBadInput : ExitFailure;
}

int init(const std::string& folder)
{
    auto keys = ts::net::generateKeyPair();
    if (!keys)
        return fail(keys.error());
    if (auto saved = ts::net::saveKeyPair(*keys, folder, "agent"); !saved)
        return fail(saved.error());
    std::printf("Created this agent's key pair in %s:\n"
                "  agent.key  the secret key (mode 0600; never copy it to another machine)\n"
                "  agent.pub  the public key\n"
                "Add the agent to a coordinator with its address and this public key:\n"
                "  %s\n",
                folder.c_str(), keys->publicKey.c_str());
    return ExitOk;
}

std::atomic<bool> stopRequested { false };

extern "C" void onStopSignal(int)
{
    stopRequested = true; // the heartbeat loop sees it within 100 ms
}

std::string thisExecutable()
{
    char path[4096] = {};
    const ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    return n > 0 ? std::string(path, size_t(n)) : std::string();
}

int serve(ts::cluster::AgentOptions options, const std::string& folder,
          ts::agent::JobRunnerOptions jobs)
{
    auto keys = ts::net::loadKeyPair(folder, "agent");
    if (!keys)
        return fail(keys.error());
    options.keys = *keys;
    if (options.agentId.empty()) {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        options.agentId = host;
    }
    // Each agent its own folder: a spool shared by two agents would forward each other's records.
    if (jobs.workDir.empty())
        jobs.workDir = ts::common::userDataDir() + "/agents/" + options.agentId;
    jobs.spoolPath = jobs.workDir + "/spool.sqlite";
    std::signal(SIGTERM, onStopSignal);
    std::signal(SIGINT, onStopSignal);
    const auto log = [](const std::string& line) {
        std::printf("trainstudio-agent: %s\n", line.c_str());
        std::fflush(stdout);
    };
    jobs.executable = thisExecutable();
    jobs.log = log;
    if (jobs.dataRoots.empty())
        log("no --data-root given: jobs that read files will be refused");
    auto runner = ts::agent::JobRunner::open(std::move(jobs));
    if (!runner)
        return fail(runner.error());
    auto ran = ts::cluster::runAgent(options, stopRequested, log, runner->get());
    return ran ? ExitOk : fail(ran.error());
}

int showKey(const std::string& folder)
{
    auto keys = ts::net::loadKeyPair(folder, "agent");
    if (!keys)
        return fail(keys.error());
    std::printf("%s\n", keys->publicKey.c_str());
    return ExitOk;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app { "The TrainStudio agent daemon runs training jobs on a lab machine for a "
                   "coordinator (the studio or trainstudio-cli).",
                   "trainstudio-agent" };
    app.set_version_flag("--version", std::string("trainstudio-agent ") + ts::common::version());
    bool initKeys = false;
    bool printKey = false;
    std::string folder = ts::common::userConfigDir() + "/keys";
    app.set_config("--config", "",
                   "Read options from this file (TOML, one option per line: coordinator = "
                   "\"tcp://studio:7150\"); the command line wins");
    app.add_flag("--init", initKeys,
                 "Create this agent's CURVE key pair (agent.key, agent.pub) and print the public "
                 "key to give to the coordinator");
    app.add_flag("--show-key", printKey, "Print this agent's public key");
    app.add_option("--keys", folder, "Folder of the key files (default: " + folder + ")");
    ts::cluster::AgentOptions options;
    int64_t heartbeatMs = 1000;
    app.add_option("--coordinator", options.coordinator,
                   "Register with the coordinator at this address (tcp://host:7150) and "
                   "heartbeat until stopped");
    app.add_option("--coordinator-key", options.coordinatorKey,
                   "The coordinator's public key (40 Z85 characters), pinned like an SSH host "
                   "key");
    app.add_option("--id", options.agentId, "This agent's name (default: the host name)");
    app.add_option("--heartbeat-ms", heartbeatMs, "Milliseconds between heartbeats (default 1000)")
            ->check(CLI::Range(int64_t(50), int64_t(60000)));
    ts::agent::JobRunnerOptions jobs;
    app.add_option("--data-root", jobs.dataRoots,
                   "A folder jobs may read data from (repeat for several); a job naming a file "
                   "anywhere else is refused");
    app.add_option("--work-dir", jobs.workDir,
                   "Folder of the ranks' files and the metric spool, one agent's alone "
                   "(default: "
                           + ts::common::userDataDir() + "/agents/ID" + ")");
    app.add_option("--slots", options.slots, "CPU ranks this agent runs at once (default 1)")
            ->check(CLI::Range(1u, 1024u));
    {
        char host[256] = {};
        gethostname(host, sizeof host - 1);
        jobs.dataPlaneHost = host;
    }
    app.add_option("--data-plane-host", jobs.dataPlaneHost,
                   "The address other machines reach this one's ranks at (default: the host "
                   "name)");
    ts::agent::RankProcessOptions rank;
    app.add_option("--rank-dir", rank.rankDir)->group(""); // the agent starts its ranks so
    app.add_option("--spool", rank.spoolPath)->group("");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? ExitOk : ExitBadInput;
    }
    if (initKeys && printKey) {
        std::fprintf(stderr, "trainstudio-agent: error: give --init or --show-key, not both\n");
        return ExitBadInput;
    }
    if (!rank.rankDir.empty()) {
        rank.dataRoots = jobs.dataRoots;
        rank.dataPlaneHost = jobs.dataPlaneHost;
        std::signal(SIGTERM, onStopSignal); // cancel: the run stops at its next step
        return ts::agent::runRankProcess(rank, stopRequested);
    }
    if (initKeys)
        return init(folder);
    if (printKey)
        return showKey(folder);
    if (!options.coordinator.empty()) {
        options.heartbeatInterval = std::chrono::milliseconds(heartbeatMs);
        return serve(options, folder, std::move(jobs));
    }
    std::printf("%s", app.help().c_str());
    return ExitOk;
}
