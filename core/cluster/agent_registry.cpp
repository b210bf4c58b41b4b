#include "cluster/agent_registry.h"

namespace ts::cluster {

void AgentRegistry::registerAgent(const std::string& routingId, const wire::Register& info,
                                  Clock::time_point now)
{
    AgentState& agent = m_agents[info.agent_id()];
    agent.id = info.agent_id();
    agent.routingId = routingId;
    agent.info = info;
    agent.lastSeen = now;
    agent.status = AgentState::Status::Online;
}

bool AgentRegistry::heartbeat(const std::string& routingId, Clock::time_point now)
{
    for (auto& [id, agent] : m_agents) {
        if (agent.routingId == routingId && agent.status == AgentState::Status::Online) {
            agent.lastSeen = now;
            return true;
        }
    }
    return false;
}

std::vector<std::string> AgentRegistry::expire(Clock::time_point now)
{
    std::vector<std::string> lost;
    for (auto& [id, agent] : m_agents) {
        if (agent.status == AgentState::Status::Online && now - agent.lastSeen > m_timeout) {
            agent.status = AgentState::Status::Lost;
            lost.push_back(id);
        }
    }
    return lost;
}

std::vector<AgentState> AgentRegistry::agents() const
{
    std::vector<AgentState> out;
    for (const auto& [id, agent] : m_agents)
        out.push_back(agent);
    return out;
}

} // namespace ts::cluster
