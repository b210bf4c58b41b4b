#include "cluster/placement.h"

#include <cstdlib>
#include <set>

namespace ts::cluster {

namespace {

bool isGpu(const std::string& device)
{
    return device.rfind("cuda:", 0) == 0;
}

} // namespace

Placement::Placement(const std::vector<AgentState>& agents,
                     const std::vector<store::JobRecord>& running)
{
    for (const AgentState& agent : agents)
        if (agent.status == AgentState::Status::Online)
            m_free[agent.id] = { &agent, std::max<int64_t>(agent.info.cpu_slots(), 1), {} };
    std::map<std::string, std::set<int>> gpusInUse;
    for (const store::JobRecord& job : running)
        for (const store::RankPlacement& rank : job.placement) {
            if (isGpu(rank.device))
                gpusInUse[rank.agent].insert(std::atoi(rank.device.c_str() + 5));
            else if (auto found = m_free.find(rank.agent); found != m_free.end())
                --found->second.cpuSlots;
        }
    for (auto& [id, free] : m_free)
        for (int g = 0; g < free.agent->info.gpus_size(); ++g)
            if (!gpusInUse[id].count(g)
                && free.agent->info.gpus(g).memory_free() >= MinFreeGpuBytes)
                free.gpus.push_back(g);
}

Placement::Free* Placement::freest(bool gpu)
{
    Free* best = nullptr;
    int64_t bestCount = 0;
    for (auto& [id, free] : m_free) {
        const int64_t count = gpu ? int64_t(free.gpus.size()) : free.cpuSlots;
        if (count > bestCount) {
            best = &free;
            bestCount = count;
        }
    }
    return best;
}

std::optional<std::vector<store::RankPlacement>> Placement::take(int ranks, const std::string& kind)
{
    const std::map<std::string, Free> before = m_free;
    // All ranks of a job on one kind of device: GPUs when the job asks for them, or for "auto"
    // when there are enough free; CPU slots otherwise.
    int64_t freeGpus = 0;
    for (const auto& [id, free] : m_free)
        freeGpus += int64_t(free.gpus.size());
    const bool gpu = kind == "cuda" || (kind == "auto" && freeGpus >= ranks);
    std::vector<store::RankPlacement> placement;
    for (int rank = 0; rank < ranks; ++rank) {
        Free* target = freest(gpu);
        if (!target) {
            m_free = before;
            return std::nullopt;
        }
        store::RankPlacement p;
        p.agent = target->agent->id;
        if (gpu) {
            p.device = "cuda:" + std::to_string(target->gpus.front());
            target->gpus.erase(target->gpus.begin());
        } else {
            p.device = "cpu";
            --target->cpuSlots;
        }
        placement.push_back(std::move(p));
    }
    return placement;
}

} // namespace ts::cluster
