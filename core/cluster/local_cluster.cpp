#include "cluster/local_cluster.h"

#include "common/child_process.h"
#include "common/paths.h"
#include "net/curve_keys.h"
#include "store/experiment_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

namespace ts::cluster {

using common::Error;
using common::ErrorKind;

namespace {

std::string lockPathOf(const std::string& storePath)
{
    return storePath + ".coordinator";
}

// trainstudio-agent: $TRAINSTUDIO_AGENT, else beside this program (an installation), else where
// the build tree put it.
std::string agentExecutable()
{
    if (const char* env = std::getenv("TRAINSTUDIO_AGENT"); env && *env)
        return env;
    const std::string beside = common::executableDir() + "/trainstudio-agent";
    if (access(beside.c_str(), X_OK) == 0)
        return beside;
    return TS_AGENT_BUILD_PATH;
}

} // namespace

std::string LocalCluster::defaultKeysDir()
{
    return common::userConfigDir() + "/keys";
}

common::Expected<net::KeyPair> LocalCluster::coordinatorKeys(const std::string& folder)
{
    auto keys = net::loadKeyPair(folder, "coordinator");
    if (keys || keys.error().kind() != ErrorKind::NotFound)
        return keys;
    auto fresh = net::generateKeyPair();
    TS_TRY(fresh);
    TS_TRY(net::saveKeyPair(*fresh, folder, "coordinator"));
    return fresh;
}

bool LocalCluster::isServed(const std::string& storePath)
{
    const int fd = ::open(lockPathOf(storePath).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
    close(fd);
    return held;
}

common::Expected<std::unique_ptr<LocalCluster>> LocalCluster::start(LocalClusterOptions options)
{
    std::unique_ptr<LocalCluster> cluster(new LocalCluster);
    // The store first: creating it creates its folder, where the lock goes.
    {
        auto store = store::ExperimentStore::open(options.storePath);
        TS_TRY(store);
        auto agents = (*store)->agents();
        TS_TRY(agents);
        if (options.localAgents < 0)
            options.localAgents = agents->empty() ? 1 : 0;
    }
    const std::string lockPath = lockPathOf(options.storePath);
    cluster->m_lockFd = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (cluster->m_lockFd < 0)
        return Error(ErrorKind::Io, lockPath + ": cannot create the coordinator's lock file");
    if (flock(cluster->m_lockFd, LOCK_EX | LOCK_NB) != 0)
        return Error(
                ErrorKind::InvalidInput,
                "another coordinator already serves " + options.storePath
                        + "; submit jobs to it with 'trainstudio-cli jobs submit', or stop it");

    auto keys = coordinatorKeys(options.keysDir.empty() ? defaultKeysDir() : options.keysDir);
    TS_TRY(keys);
    cluster->m_publicKey = keys->publicKey;
    CoordinatorOptions coordinator;
    coordinator.keys = *keys;
    coordinator.storePath = options.storePath;
    coordinator.heartbeatTimeout = options.heartbeatTimeout;
    coordinator.endpoint = !options.listen.empty() ? options.listen
            : options.localAgents > 0              ? "tcp://127.0.0.1:*"
                                                   : "tcp://*:7150";

    // Local agents: a key pair each, for this session only.
    std::vector<std::string> agentDirs;
    if (options.localAgents > 0) {
        char pattern[] = "/tmp/trainstudio-local-XXXXXX";
        if (!mkdtemp(pattern))
            return Error(ErrorKind::Io, "cannot create a folder for the local agents");
        cluster->m_tempDir = pattern;
        for (int i = 0; i < options.localAgents; ++i) {
            const std::string dir = cluster->m_tempDir + "/agent-" + std::to_string(i + 1);
            auto agentKeys = net::generateKeyPair();
            TS_TRY(agentKeys);
            TS_TRY(net::saveKeyPair(*agentKeys, dir + "/keys", "agent"));
            coordinator.allowedAgents.insert(agentKeys->publicKey);
            agentDirs.push_back(dir);
        }
    }
    auto server = CoordinatorServer::start(coordinator);
    TS_TRY(server);
    cluster->m_coordinator = std::move(*server);
    const std::string endpoint = cluster->m_coordinator->endpoint();
    for (size_t i = 0; i < agentDirs.size(); ++i) {
        const std::string& dir = agentDirs[i];
        common::ChildOptions agent;
        agent.args = { agentExecutable(),
                       "--coordinator",
                       endpoint,
                       "--coordinator-key",
                       keys->publicKey,
                       "--keys",
                       dir + "/keys",
                       "--id",
                       "local-" + std::to_string(i + 1),
                       "--work-dir",
                       dir + "/work",
                       "--data-root",
                       "/",
                       "--data-plane-host",
                       "127.0.0.1",
                       "--heartbeat-ms",
                       "500" };
        agent.logPath = dir + "/agent.log";
        agent.deathSignal = SIGTERM; // it stops its ranks on the way out
        auto pid = common::startChild(std::move(agent));
        TS_TRY(pid);
        cluster->m_agents.push_back(*pid);
    }
    const std::string lockText = std::to_string(getpid()) + " " + endpoint + "\n";
    (void)!ftruncate(cluster->m_lockFd, 0);
    (void)!pwrite(cluster->m_lockFd, lockText.data(), lockText.size(), 0);
    return cluster;
}

LocalCluster::~LocalCluster()
{
    for (pid_t pid : m_agents)
        kill(pid, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (pid_t pid : m_agents) {
        while (waitpid(pid, nullptr, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                kill(pid, SIGKILL);
                waitpid(pid, nullptr, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    m_coordinator.reset();
    if (!m_tempDir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(m_tempDir, ec);
    }
    if (m_lockFd >= 0)
        close(m_lockFd); // releases the lock
}

} // namespace ts::cluster
