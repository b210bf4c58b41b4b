// The control plane's costs, measured with real trainstudio-agent processes on loopback and the
// coordinator in this process (see README, Performance):
//  1. submit -> first training step: a job submitted to the store until the coordinator has
//     stored its first metric point (scheduling, ASSIGN, the rank process starting, reading the
//     data, building the model, one step, the spool, forwarding); median of --repeat jobs on one
//     warm local agent. Also submit -> running (the ASSIGN sent) on its own.
//  2. heartbeat traffic of an idle agent: every byte between agent and coordinator (CURVE,
//     ZMTP and our messages) counted by a TCP relay between them, over --seconds.
//  3. --agents agents registered and heartbeating: the CPU time of this process (the coordinator;
//     the agents are other processes) over --seconds, as a share of one core.
// Targets (issue 6): < 1 s; < 1 KB/s per idle agent; < 5 % with 50 agents.
#include "bench_stats.h"
#include "cluster/coordinator_server.h"
#include "common/child_process.h"
#include "net/curve_keys.h"
#include "store/experiment_store.h"

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace ts;
using bench::median;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

pid_t spawnAgent(const std::string& dir, const std::string& id, const std::string& endpoint,
                 const std::string& serverKey, int heartbeatMs)
{
    common::ChildOptions agent;
    agent.args = { TS_AGENT_BUILD_PATH,
                   "--keys",
                   dir + "/keys",
                   "--id",
                   id,
                   "--coordinator",
                   endpoint,
                   "--coordinator-key",
                   serverKey,
                   "--work-dir",
                   dir + "/work-" + id,
                   "--data-root",
                   TS_SOURCE_DIR,
                   "--heartbeat-ms",
                   std::to_string(heartbeatMs) };
    agent.logPath = dir + "/agent-" + id + ".log";
    agent.deathSignal = SIGTERM;
    auto pid = common::startChild(std::move(agent));
    return pid ? *pid : -1;
}

std::string makeAgentKeys(const std::string& dir)
{
    auto keys = net::generateKeyPair();
    (void)net::saveKeyPair(*keys, dir + "/keys", "agent");
    return keys->publicKey;
}

bool waitForAgents(const cluster::CoordinatorServer& server, size_t n, double limitSeconds)
{
    const auto start = Clock::now();
    while (seconds(Clock::now() - start) < limitSeconds) {
        size_t online = 0;
        for (const auto& a : server.agents())
            online += a.status == cluster::AgentState::Status::Online;
        if (online >= n)
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

// A TCP relay from a loopback port to `target`, counting the bytes it moves both ways.
struct Relay
{
    int listener = -1;
    int port = 0;
    std::atomic<uint64_t> bytes { 0 };
    std::atomic<bool> stop { false };
    std::thread thread;

    void start(int target)
    {
        listener = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr {};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
        socklen_t len = sizeof addr;
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
        port = ntohs(addr.sin_port);
        listen(listener, 1);
        thread = std::thread([this, target] {
            const int a = accept(listener, nullptr, nullptr);
            const int b = socket(AF_INET, SOCK_STREAM, 0);
            sockaddr_in to {};
            to.sin_family = AF_INET;
            to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            to.sin_port = htons(uint16_t(target));
            connect(b, reinterpret_cast<sockaddr*>(&to), sizeof to);
            char buffer[65536];
            while (!stop) {
                pollfd fds[2] = { { a, POLLIN, 0 }, { b, POLLIN, 0 } };
                if (poll(fds, 2, 100) <= 0)
                    continue;
                for (int i = 0; i < 2; ++i)
                    if (fds[i].revents & (POLLIN | POLLHUP)) {
                        const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
                        if (n <= 0) {
                            stop = true;
                            break;
                        }
                        (void)!write(i == 0 ? b : a, buffer, size_t(n));
                        bytes += uint64_t(n);
                    }
            }
            close(a);
            close(b);
        });
    }
    ~Relay()
    {
        stop = true;
        if (thread.joinable())
            thread.join();
        close(listener);
    }
};

double cpuSeconds()
{
    rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

int portOf(const std::string& endpoint)
{
    return std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
}

} // namespace

int main(int argc, char** argv)
{
    int agents = 50, repeat = 5;
    double window = 10;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--agents")
            agents = std::atoi(argv[i + 1]);
        else if (flag == "--repeat")
            repeat = std::atoi(argv[i + 1]);
        else if (flag == "--seconds")
            window = std::atof(argv[i + 1]);
    }
    signal(SIGPIPE, SIG_IGN);
    char pattern[] = "/tmp/bench-cluster-XXXXXX";
    const std::string dir = mkdtemp(pattern);
    const std::string storePath = dir + "/store.sqlite";
    auto serverKeys = net::generateKeyPair();
    std::vector<pid_t> pids;

    // 1. submit -> first step, on one warm local agent.
    cluster::CoordinatorOptions options;
    options.endpoint = "tcp://127.0.0.1:*";
    options.keys = *serverKeys;
    options.storePath = storePath;
    options.allowedAgents.insert(makeAgentKeys(dir + "/local"));
    auto coordinator = cluster::CoordinatorServer::start(options);
    if (!coordinator) {
        std::fprintf(stderr, "%s\n", coordinator.error().message().c_str());
        return 1;
    }
    pids.push_back(spawnAgent(dir + "/local", "local", (*coordinator)->endpoint(),
                              serverKeys->publicKey, 1000));
    waitForAgents(**coordinator, 1, 20);
    std::ifstream pipelineFile(TS_SOURCE_DIR "/resources/pipelines/fashion-tabular.json");
    std::stringstream text;
    text << pipelineFile.rdbuf();
    std::string pipeline = text.str();
    pipeline.replace(pipeline.find("\"epochs\": 30"), 12, "\"epochs\": 1, \"logEvery\": 1");
    auto store = store::ExperimentStore::open(storePath);
    std::vector<double> toRunning, toFirstStep;
    for (int r = 0; r < repeat; ++r) {
        const auto submitted = Clock::now();
        const int64_t id = *(*store)->submitJob(
                { "bench", "first-step", pipeline, TS_SOURCE_DIR "/resources/pipelines", 0, 0 });
        double running = 0;
        for (;;) {
            const auto job = *(*store)->job(id);
            if (running == 0 && job.state != store::JobState::Queued)
                running = seconds(Clock::now() - submitted);
            if (job.run > 0 && !(*store)->metricSeries(job.run, "train_loss")->empty())
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        toFirstStep.push_back(seconds(Clock::now() - submitted));
        toRunning.push_back(running);
        while (!store::isEnded((*store)->job(id)->state))
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::printf("submit -> running (ASSIGN sent):   median %.3f s of %d\n", median(toRunning),
                repeat);
    std::printf("submit -> first training step stored: median %.3f s of %d (target < 1 s)\n",
                median(toFirstStep), repeat);

    // 2. An idle agent's traffic through a counting relay.
    {
        Relay relay;
        relay.start(portOf((*coordinator)->endpoint()));
        const std::string via = "tcp://127.0.0.1:" + std::to_string(relay.port);
        pids.push_back(spawnAgent(dir + "/local", "idle", via, serverKeys->publicKey, 1000));
        std::this_thread::sleep_for(std::chrono::seconds(2)); // past the handshake
        const uint64_t before = relay.bytes;
        std::this_thread::sleep_for(std::chrono::duration<double>(window));
        const double rate = double(relay.bytes - before) / window;
        std::printf("idle agent heartbeat traffic: %.0f bytes/s both ways (target < 1024)\n", rate);
        kill(pids.back(), SIGTERM);
        waitpid(pids.back(), nullptr, 0);
        pids.pop_back();
    }
    kill(pids.back(), SIGTERM);
    waitpid(pids.back(), nullptr, 0);
    pids.clear();
    coordinator->reset();

    // 3. Many agents.
    options.allowedAgents.clear();
    std::vector<std::string> folders;
    for (int i = 0; i < agents; ++i) {
        folders.push_back(dir + "/agent-" + std::to_string(i));
        options.allowedAgents.insert(makeAgentKeys(folders.back()));
    }
    options.storePath.clear();
    coordinator = cluster::CoordinatorServer::start(options);
    for (int i = 0; i < agents; ++i)
        pids.push_back(spawnAgent(folders[size_t(i)], "agent-" + std::to_string(i),
                                  (*coordinator)->endpoint(), serverKeys->publicKey, 1000));
    const bool all = waitForAgents(**coordinator, size_t(agents), 60);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const double cpuBefore = cpuSeconds();
    const auto wallBefore = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(window));
    const double share = (cpuSeconds() - cpuBefore) / seconds(Clock::now() - wallBefore);
    size_t online = 0;
    for (const auto& a : (*coordinator)->agents())
        online += a.status == cluster::AgentState::Status::Online;
    std::printf("%d agents (%zu online%s): coordinator CPU %.2f %% of one core (target < 5 %%)\n",
                agents, online, all ? "" : ", NOT ALL REGISTERED", 100 * share);
    for (pid_t pid : pids)
        kill(pid, SIGTERM);
    for (pid_t pid : pids)
        waitpid(pid, nullptr, 0);
    coordinator->reset();
    std::filesystem::remove_all(dir);
    return 0;
}
