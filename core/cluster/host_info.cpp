#include "cluster/host_info.h"

#include "tensor/backend_registry.h" // for defaultCpuThreads

#include <unistd.h>

#include <cstring>

extern char** environ;

namespace ts::cluster {

wire::Register describeHost(const std::string& agentId)
{
    wire::Register info;
    info.set_agent_id(agentId);
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0)
        info.set_host(host);
    info.set_cpus(uint32_t(tensor::defaultCpuThreads())); // the cores this process may use
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && pageSize > 0)
        info.set_memory_bytes(uint64_t(pages) * uint64_t(pageSize));
    if (auto gpus = tensor::listCudaDevices()) // none without the plugin, a driver or a GPU
        for (const tensor::GpuInfo& gpu : *gpus) {
            wire::Gpu& g = *info.add_gpus();
            g.set_name(gpu.name);
            g.set_memory_total(gpu.memoryTotal);
            g.set_memory_free(gpu.memoryFree);
        }
    for (char** variable = environ; variable && *variable; ++variable) {
        if (std::strncmp(*variable, "SLURM_", 6) != 0)
            continue;
        const char* equals = std::strchr(*variable, '=');
        if (equals)
            (*info.mutable_labels())[std::string(*variable, size_t(equals - *variable))] =
                    equals + 1;
    }
    return info;
}

} // namespace ts::cluster
