// Placement: which agent and device each rank of a job gets (DESIGN.md, A run step by step, 2).
//
// Built from the online agents and the placements of the jobs running now, it hands out free
// devices: a GPU of its own to a rank that asks for "cuda" (one no rank of ours uses, with at least
// MinFreeGpuBytes free when its agent registered), a GPU when one is free else a CPU slot for
// "auto", a CPU slot for "cpu" (an agent has `cpu_slots` of them). Each rank goes to the agent with
// the most free devices of its kind, so ranks spread over machines. A job gets all its ranks or
// none (gang placement): a job that does not fit takes nothing and waits.
//
// THREAD SAFETY: none; a value of the coordinator's thread.
#pragma once

#include "cluster/agent_registry.h"
#include "store/job_types.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ts::cluster {

// A GPU with less free memory than this is taken (by something else than our jobs).
constexpr uint64_t MinFreeGpuBytes = uint64_t(1) << 30;

class Placement
{
public:
    Placement(const std::vector<AgentState>& agents, const std::vector<store::JobRecord>& running);

    // Devices for `ranks` ranks of `kind` ("auto", "cpu", "cuda"), taken from the free ones; none
    // when they do not all fit (and then nothing is taken).
    std::optional<std::vector<store::RankPlacement>> take(int ranks, const std::string& kind);

    bool isOnline(const std::string& agent) const { return m_free.count(agent) > 0; }
    // The online agent `id` (must be online).
    const AgentState& agent(const std::string& id) const { return *m_free.at(id).agent; }

private:
    struct Free
    {
        const AgentState* agent = nullptr;
        int64_t cpuSlots = 0;
        std::vector<int> gpus; // indices of free GPUs, ascending
    };
    // The agent with the most free devices of the kind, or null.
    Free* freest(bool gpu);

    std::map<std::string, Free> m_free; // online agents by id
};

} // namespace ts::cluster
