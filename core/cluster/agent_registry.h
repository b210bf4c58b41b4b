// AgentRegistry: the coordinator's view of its agents — who registered, what they have, when they
// were last heard from, and which of them are lost. Pure bookkeeping, no sockets, so its rules
// (re-registration, heartbeat timeouts) are tested on their own.
//
// An agent is Online from its REGISTER until it misses heartbeats for `timeout`; then it is Lost
// (and expire() reports it once, so the coordinator can reschedule its ranks). A Lost agent that
// registers again (restarted, network back) is Online again with its new routing id.
//
// THREAD SAFETY: none; the coordinator's thread owns it.
#pragma once

#include "net/trainstudio.pb.h"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace ts::cluster {

using Clock = std::chrono::steady_clock;

struct AgentState
{
    enum class Status { Online, Lost };
    std::string id;
    std::string routingId; // the ROUTER identity of its connection
    wire::Register info;
    Clock::time_point lastSeen;
    Status status = Status::Online;
};

class AgentRegistry
{
public:
    explicit AgentRegistry(std::chrono::milliseconds timeout)
        : m_timeout(timeout)
    {}

    // A REGISTER from `routingId`; replaces what was known of info.agent_id().
    void registerAgent(const std::string& routingId, const wire::Register& info,
                       Clock::time_point now);
    // A HEARTBEAT from `routingId`; false when no registered agent has that connection (the
    // coordinator then asks it to register again).
    bool heartbeat(const std::string& routingId, Clock::time_point now);
    // Marks agents silent for longer than the timeout Lost; returns those newly lost.
    std::vector<std::string> expire(Clock::time_point now);

    std::vector<AgentState> agents() const;

private:
    std::chrono::milliseconds m_timeout;
    std::map<std::string, AgentState> m_agents; // by agent id
};

} // namespace ts::cluster
