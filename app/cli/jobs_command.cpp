// The queue is the store's jobs table: `jobs submit` adds a job, and whichever coordinator serves
// the store (`trainstudio-cli coordinator`, the studio, or `jobs submit --wait` itself when none
// does) runs it on its agents.
#include "jobs_command.h"

#include "cli_common.h"
#include "cluster/local_cluster.h"
#include "pipeline/pipeline_parser.h"
#include "store/experiment_store.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <thread>

namespace ts::cli {
namespace {

using cluster::LocalCluster;
using cluster::LocalClusterOptions;
using nlohmann::json;
using store::JobRecord;
using store::JobState;

std::atomic<bool> g_interrupted { false };

extern "C" void onJobsInterrupt(int)
{
    g_interrupted = true;
}

struct JobsArgs
{
    std::string store;
    std::string pipeline;
    int priority = 0;
    int ranks = 1;
    int64_t checkpointEvery = 0;
    bool wait = false;
    bool json = false;
    bool follow = false;
    int64_t job = 0;
    LocalClusterOptions cluster;
    bool showKey = false;
};

std::string storePathOf(const std::string& store)
{
    return store.empty() ? store::ExperimentStore::defaultPath() : store;
}

int exitCodeOf(JobState state)
{
    return state == JobState::Finished     ? ExitOk
            : state == JobState::Cancelled ? ExitCancelled
                                           : ExitFailure;
}

void printLines(const std::vector<store::JobLogLine>& lines)
{
    static const char* levels[] = { "debug", "info", "warning", "error" };
    for (const store::JobLogLine& l : lines)
        std::printf("%s  attempt %d  %-7s %s\n", localTime(l.time).c_str(), l.attempt,
                    levels[std::clamp(l.level, 0, 3)], l.text.c_str());
    std::fflush(stdout);
}

// Prints the job's log as it grows until the job ends; the first Ctrl-C asks for its cancel.
int follow(store::ExperimentStore& store, int64_t id, bool printLog)
{
    int64_t lastLine = 0;
    bool cancelAsked = false;
    for (;;) {
        auto job = store.job(id);
        if (!job)
            return reportError(job.error());
        if (printLog) {
            auto lines = store.jobLogs(id, lastLine);
            if (!lines)
                return reportError(lines.error());
            if (!lines->empty())
                lastLine = lines->back().id;
            printLines(*lines);
        }
        if (store::isEnded(job->state)) {
            std::printf("job %lld %s%s%s (run %lld)\n", static_cast<long long>(id),
                        store::toString(job->state).c_str(), job->message.empty() ? "" : ": ",
                        job->message.c_str(), static_cast<long long>(job->run));
            return exitCodeOf(job->state);
        }
        if (g_interrupted && !cancelAsked) {
            cancelAsked = true;
            (void)store.requestCancel(id);
            std::printf("cancelling job %lld ...\n", static_cast<long long>(id));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

int submit(JobsArgs& args)
{
    auto spec = pipeline::loadPipeline(args.pipeline);
    if (!spec)
        return reportError(spec.error());
    const std::string path = storePathOf(args.store);
    auto store = store::ExperimentStore::open(path);
    if (!store)
        return reportError(store.error());
    std::error_code ec;
    const std::string baseDir =
            std::filesystem::absolute(args.pipeline, ec).parent_path().lexically_normal().string();
    auto id = (*store)->submitJob({ spec->experiment, spec->name, spec->text, baseDir,
                                    args.priority, args.checkpointEvery, args.ranks });
    if (!id)
        return reportError(id.error());
    std::printf("job %lld queued (priority %d) in %s\n", static_cast<long long>(*id), args.priority,
                path.c_str());
    std::fflush(stdout);
    const bool served = LocalCluster::isServed(path);
    if (!args.wait) {
        if (!served)
            std::printf("no coordinator serves this store now: start one with 'trainstudio-cli "
                        "coordinator', or submit with --wait\n");
        return ExitOk;
    }
    std::signal(SIGINT, onJobsInterrupt);
    std::signal(SIGTERM, onJobsInterrupt);
    std::unique_ptr<LocalCluster> cluster;
    if (!served) {
        args.cluster.storePath = path;
        auto started = LocalCluster::start(args.cluster);
        if (!started)
            return reportError(started.error());
        cluster = std::move(*started);
        std::printf("coordinator on %s with %d local agent%s\n",
                    cluster->coordinator().endpoint().c_str(), cluster->localAgents(),
                    cluster->localAgents() == 1 ? "" : "s");
    }
    return follow(**store, *id, true);
}

json jobJson(const JobRecord& j)
{
    return { { "id", j.id },
             { "state", store::toString(j.state) },
             { "priority", j.priority },
             { "run", j.run > 0 ? json(j.run) : json(nullptr) },
             { "agent", j.agent },
             { "attempt", j.attempt },
             { "experiment", j.experiment },
             { "name", j.name },
             { "checkpoint_every", j.checkpointEvery },
             { "checkpoint_step", j.checkpointStep >= 0 ? json(j.checkpointStep) : json(nullptr) },
             { "submitted_at", j.submittedAt },
             { "started_at", j.startedAt > 0 ? json(j.startedAt) : json(nullptr) },
             { "finished_at", j.finishedAt > 0 ? json(j.finishedAt) : json(nullptr) },
             { "cancel_requested", j.cancelRequested },
             { "message", j.message } };
}

int list(const JobsArgs& args)
{
    auto store = openExistingStore(args.store);
    if (!store)
        return reportError(store.error());
    auto jobs = (*store)->jobs();
    if (!jobs)
        return reportError(jobs.error());
    if (args.json) {
        json out = json::array();
        for (const JobRecord& j : *jobs)
            out.push_back(jobJson(j));
        std::printf("%s\n", json { { "store", (*store)->path() }, { "jobs", out } }.dump().c_str());
        return ExitOk;
    }
    if (jobs->empty()) {
        std::printf("(no jobs yet; submit one with 'trainstudio-cli jobs submit PIPELINE.json')\n");
        return ExitOk;
    }
    std::printf("%-5s %-10s %4s %5s %-12s %3s %-20s %s\n", "ID", "STATE", "PRI", "RUN", "AGENT",
                "TRY", "NAME", "MESSAGE");
    for (const JobRecord& j : *jobs)
        std::printf("%-5lld %-10s %4d %5s %-12s %3d %-20s %s\n", static_cast<long long>(j.id),
                    store::toString(j.state).c_str(), j.priority,
                    j.run > 0 ? std::to_string(j.run).c_str() : "-",
                    j.agent.empty() ? "-" : j.agent.c_str(), j.attempt, j.name.c_str(),
                    j.message.c_str());
    return ExitOk;
}

int cancel(const JobsArgs& args)
{
    auto store = openExistingStore(args.store);
    if (!store)
        return reportError(store.error());
    if (auto asked = (*store)->requestCancel(args.job); !asked)
        return reportError(asked.error());
    if (!LocalCluster::isServed((*store)->path())) {
        // Nobody runs it now: a job that is not running ends here.
        auto job = (*store)->job(args.job);
        if (job && job->state != JobState::Running) {
            job->state = JobState::Cancelled;
            job->message = "cancelled before it ran";
            if (auto saved = (*store)->saveJob(*job); !saved)
                return reportError(saved.error());
            std::printf("job %lld cancelled\n", static_cast<long long>(args.job));
            return ExitOk;
        }
    }
    std::printf("job %lld: cancel requested; its coordinator stops it\n",
                static_cast<long long>(args.job));
    return ExitOk;
}

int logs(const JobsArgs& args)
{
    auto store = openExistingStore(args.store);
    if (!store)
        return reportError(store.error());
    if (auto job = (*store)->job(args.job); !job)
        return reportError(job.error());
    if (args.follow) {
        std::signal(SIGINT, onJobsInterrupt);
        return follow(**store, args.job, true);
    }
    auto lines = (*store)->jobLogs(args.job);
    if (!lines)
        return reportError(lines.error());
    printLines(*lines);
    return ExitOk;
}

int coordinator(JobsArgs& args)
{
    const std::string keysDir =
            args.cluster.keysDir.empty() ? LocalCluster::defaultKeysDir() : args.cluster.keysDir;
    if (args.showKey) {
        auto keys = LocalCluster::coordinatorKeys(keysDir);
        if (!keys)
            return reportError(keys.error());
        std::printf("%s\n", keys->publicKey.c_str());
        return ExitOk;
    }
    args.cluster.storePath = storePathOf(args.store);
    std::signal(SIGINT, onJobsInterrupt);
    std::signal(SIGTERM, onJobsInterrupt);
    auto cluster = LocalCluster::start(args.cluster);
    if (!cluster)
        return reportError(cluster.error());
    std::printf("coordinator serving %s on %s\npublic key %s (give it to agents as "
                "--coordinator-key)\n%d local agent%s; Ctrl-C stops\n",
                args.cluster.storePath.c_str(), (*cluster)->coordinator().endpoint().c_str(),
                (*cluster)->publicKey().c_str(), (*cluster)->localAgents(),
                (*cluster)->localAgents() == 1 ? "" : "s");
    std::fflush(stdout);
    size_t printed = 0;
    while (!g_interrupted) {
        for (const std::string& line : (*cluster)->coordinator().eventsSince(printed)) {
            std::printf("%s\n", line.c_str());
            ++printed;
        }
        std::fflush(stdout);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return ExitOk;
}

void addClusterOptions(CLI::App& command, JobsArgs& args)
{
    command.add_option("--local-agents", args.cluster.localAgents,
                       "Local agents to start (default: 1 when the store lists no agents, "
                       "else 0)")
            ->check(CLI::Range(0, 64));
    command.add_option("--listen", args.cluster.listen,
                       "Where agents connect (default: tcp://*:7150, or loopback only with just "
                       "local agents)");
    command.add_option("--keys", args.cluster.keysDir,
                       "Folder of the coordinator's key pair (default: "
                               + LocalCluster::defaultKeysDir() + ")");
}

} // namespace

void addJobsCommands(CLI::App& app, int& exitCode)
{
    auto args = std::make_shared<JobsArgs>();
    CLI::App* jobs = app.add_subcommand("jobs", "The job queue: pipelines run by agents");
    jobs->require_subcommand(1);
    CLI::App* submitCmd = jobs->add_subcommand("submit", "Queue a pipeline to run on an agent");
    submitCmd->add_option("pipeline", args->pipeline, "The pipeline file (JSON)")
            ->required()
            ->check(CLI::ExistingFile);
    submitCmd->add_option("--priority", args->priority, "Higher runs first (default 0)");
    submitCmd
            ->add_option("--ranks", args->ranks,
                         "Processes to run it as, each on a device of its own, placed together "
                         "and connected through a rendezvous (default 1)")
            ->check(CLI::Range(1, 1024));
    submitCmd
            ->add_option("--checkpoint-every", args->checkpointEvery,
                         "Checkpoint every N steps, so a job whose agent is lost resumes "
                         "there (default 0: it starts over)")
            ->check(CLI::NonNegativeNumber);
    submitCmd->add_flag("--wait", args->wait,
                        "Follow the job's log until it ends (and run a coordinator with local "
                        "agents when none serves the store); exit 0 finished, 1 failed, 130 "
                        "cancelled");
    addClusterOptions(*submitCmd, *args);
    CLI::App* listCmd = jobs->add_subcommand("list", "List the jobs, newest first");
    listCmd->add_flag("--json", args->json, "Print one JSON object (for scripts)");
    CLI::App* cancelCmd = jobs->add_subcommand("cancel", "Cancel a job");
    cancelCmd->add_option("id", args->job, "The job's id")->required();
    CLI::App* logsCmd = jobs->add_subcommand("logs", "Print a job's log");
    logsCmd->add_option("id", args->job, "The job's id")->required();
    logsCmd->add_flag("--follow,-f", args->follow, "Keep printing until the job ends");
    for (CLI::App* sub : { submitCmd, listCmd, cancelCmd, logsCmd })
        addStoreOption(*sub, args->store);
    submitCmd->callback([args, &exitCode] { exitCode = submit(*args); });
    listCmd->callback([args, &exitCode] { exitCode = list(*args); });
    cancelCmd->callback([args, &exitCode] { exitCode = cancel(*args); });
    logsCmd->callback([args, &exitCode] { exitCode = logs(*args); });

    CLI::App* coord = app.add_subcommand(
            "coordinator", "Serve the store's job queue to agents until stopped (Ctrl-C)");
    addClusterOptions(*coord, *args);
    addStoreOption(*coord, args->store);
    coord->add_flag("--show-key", args->showKey,
                    "Print the coordinator's public key (created on first use) and exit");
    coord->callback([args, &exitCode] { exitCode = coordinator(*args); });
}

} // namespace ts::cli
