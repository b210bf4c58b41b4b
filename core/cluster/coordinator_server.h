// CoordinatorServer: the control plane's server side, embedded in the studio and the CLI. It
// binds a CURVE-secured ROUTER socket that only allow-listed agents may connect to (ZAP), keeps
// the AgentRegistry from their REGISTER and HEARTBEAT messages, answers each heartbeat (so an
// agent knows its coordinator is there), and marks agents that fall silent as lost.
//
// With a store (CoordinatorOptions::storePath) it also runs the store's job queue
// (cluster/job_control.h): it places jobs on agents, stores the records their ranks send, and
// resumes a job whose agent was lost from its last checkpoint. The agents the store lists are on
// its allow-list as well, read again every 2 seconds, so `trainstudio-cli agents add` takes effect
// while it runs; after `agents remove` the agent's messages are refused (by the "User-Id" the ZAP
// handler gave its connection) and it cannot connect again.
//
// THREAD SAFETY: the server runs on a thread of its own; every public method may be called from
// any thread.
#pragma once

#include "cluster/agent_registry.h"
#include "common/result.h"
#include "net/curve_keys.h"

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ts::cluster {

struct CoordinatorOptions
{
    std::string endpoint = "tcp://*:7150"; // where agents connect ("tcp://127.0.0.1:*" = any port)
    net::KeyPair keys;                     // the coordinator's CURVE key pair
    std::set<std::string> allowedAgents;   // Z85 public keys of the agents it trusts
    std::chrono::milliseconds heartbeatTimeout { 3000 }; // silent this long = lost
    std::string storePath; // the experiment store whose jobs it runs; empty = registry only
    // Send the files of a job's source to agents that cannot read them (cluster/data_offer.h).
    bool deliverData = true;
};

class CoordinatorServer
{
public:
    // Binds and starts serving. Io error when the endpoint cannot be bound (in use, bad address).
    static common::Expected<std::unique_ptr<CoordinatorServer>> start(CoordinatorOptions options);
    ~CoordinatorServer(); // stops the thread and closes the socket

    // The bound endpoint, e.g. "tcp://127.0.0.1:40123".
    std::string endpoint() const;
    std::vector<AgentState> agents() const;
    // Messages refused by the codec or out of place, and the last reason, for the log.
    int64_t refusedMessages() const;
    std::string lastRefusal() const;
    // "agent lab-2 registered (host gpu-box, 16 CPUs)", "agent lab-2 lost (no heartbeat for
    // 3.0 s)", in order.
    std::vector<std::string> events() const;
    // The first `from` events dropped: a log that prints them as they come asks for the new ones.
    std::vector<std::string> eventsSince(size_t from) const;

private:
    struct Private;
    explicit CoordinatorServer(std::unique_ptr<Private> d);
    std::unique_ptr<Private> d;
};

} // namespace ts::cluster
