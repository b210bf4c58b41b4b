// LocalCluster: a coordinator embedded in the studio or trainstudio-cli, serving the job queue of
// one store,
// with local agents when the store lists none (DESIGN.md, Executables: nothing has to be set up
// for the first run).
//
// The coordinator's key pair lives in "<config>/keys/coordinator.{key,pub}" (created on first
// use; agents pin its public key). A store can be served by one coordinator at a time: the
// coordinator holds an advisory lock on "<store>.coordinator", which also tells `jobs submit`
// whether someone will pick its job up.
//
// Local agents are `trainstudio-agent` processes on loopback, each with a key pair generated for
// this session (on the coordinator's allow-list for this session only) and its own work folder.
// They may read any file this user can -- they run this user's own pipelines on this user's
// machine, as `trainstudio-cli run` does -- and die with the CLI (PR_SET_PDEATHSIG).
#pragma once

#include "cluster/coordinator_server.h"
#include "common/result.h"

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace ts::cluster {

struct LocalClusterOptions
{
    std::string storePath;
    std::string listen;   // empty: tcp://127.0.0.1:* with local agents, tcp://*:7150 without
    int localAgents = -1; // -1: 1 when the store lists no agents, else 0
    std::string keysDir;  // the coordinator's key pair
    std::chrono::milliseconds heartbeatTimeout { 3000 };
};

class LocalCluster
{
public:
    static common::Expected<std::unique_ptr<LocalCluster>> start(LocalClusterOptions options);
    ~LocalCluster(); // stops the local agents (SIGTERM, then SIGKILL), then the coordinator

    CoordinatorServer& coordinator() { return *m_coordinator; }
    std::string publicKey() const { return m_publicKey; }
    int localAgents() const { return int(m_agents.size()); }

    // Whether some process serves the store at `storePath` now (its lock is held).
    static bool isServed(const std::string& storePath);
    // The folder of the coordinator's key pair by default.
    static std::string defaultKeysDir();
    // The coordinator's key pair in `folder`, created when missing.
    static common::Expected<net::KeyPair> coordinatorKeys(const std::string& folder);

private:
    LocalCluster() = default;
    int m_lockFd = -1;
    std::string m_publicKey;
    std::string m_tempDir;
    std::vector<pid_t> m_agents;
    std::unique_ptr<CoordinatorServer> m_coordinator;
};

} // namespace ts::cluster
