// AgentClient: the agent daemon's side of the control plane. It connects to the coordinator over
// CURVE (the coordinator's public key pinned, as ssh pins a host key), registers with its machine's
// description (cluster/host_info.h), and heartbeats; when the coordinator stops answering or asks
// it to, it registers again, so a restarted coordinator gets its agents back by itself.
//
// Jobs travel on the same connection: ASSIGN and CANCEL go to the JobHost (cluster/job_host.h),
// whose spooled records are forwarded one batch at a time; a batch is sent again until the
// coordinator ACKs it (after a reconnect, or 5 s without an answer), and the coordinator stores
// a record twice as once, so every record arrives exactly once. Data files the host's ranks wait
// for are fetched on it too (FETCH_DATA, answered by DATA_CHUNK).
//
// THREAD SAFETY: run() blocks its thread until `stop` turns true.
#pragma once

#include "cluster/job_host.h"
#include "common/result.h"
#include "net/curve_keys.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

namespace ts::cluster {

struct AgentOptions
{
    std::string coordinator;    // "tcp://host:7150"
    std::string coordinatorKey; // the coordinator's Z85 public key
    net::KeyPair keys;          // this agent's key pair (trainstudio-agent --init)
    std::string agentId;        // unique per agent: the host name by default
    std::chrono::milliseconds heartbeatInterval { 1000 };
    uint32_t slots = 1; // ranks it runs at once
    // A first registration that gets no answer this long is an error: a wrong address, or this
    // agent's key is not on the coordinator's allow-list (CURVE gives no other sign of either).
    std::chrono::milliseconds registerTimeout { 10000 };
};

// Registers and heartbeats until `stop`; `log` receives one line per event ("registered with
// tcp://...", "coordinator silent for 3 s; registering again"). Fails only when the first
// registration gets no answer in time, or on a bad option.
// `jobs` may be null: an agent that only registers (tests of the registry).
common::Result runAgent(const AgentOptions& options, const std::atomic<bool>& stop,
                        const std::function<void(const std::string&)>& log,
                        JobHost* jobs = nullptr);

} // namespace ts::cluster
