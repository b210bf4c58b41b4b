#include "tensor/backend_registry.h"

#include "common/paths.h"
#include "tensor/backend_plugin.h"
#include "tensor/cpu/cpu_backend.h"

#include <dlfcn.h> // for dlopen, dlsym
#include <sched.h> // for sched_getaffinity

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <vector>

namespace ts::tensor {

using common::Error;
using common::ErrorKind;
using common::Expected;

namespace {

constexpr const char* CudaPluginFile = "libtrainstudio-cuda.so";

std::vector<std::string> pluginCandidates()
{
    std::vector<std::string> dirs;
    if (const char* dir = std::getenv("TRAINSTUDIO_PLUGIN_DIR"); dir && *dir)
        dirs.emplace_back(dir);
    if (const std::string exe = common::executableDir(); !exe.empty()) {
        dirs.push_back(exe + "/../lib");
        dirs.push_back(exe + "/../lib/trainstudio");
    }
    dirs.emplace_back(TS_PLUGIN_INSTALL_DIR);
    std::vector<std::string> files;
    for (const auto& dir : dirs)
        files.push_back(dir + "/" + CudaPluginFile);
    return files;
}

struct LoadedPlugin
{
    TsBackendPluginCreateFn create = nullptr;
    TsBackendPluginListDevicesFn listDevices = nullptr; // optional
    std::string error; // why it could not be loaded, when create is null
};

// Loads the plugin once per process; the library stays loaded until exit because the backends
// it creates run its code.
const LoadedPlugin& cudaPlugin()
{
    static LoadedPlugin plugin;
    static std::once_flag once;
    std::call_once(once, [] {
        std::string tried;
        for (const auto& file : pluginCandidates()) {
            if (!std::filesystem::exists(file))
                continue;
            void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
            if (!handle) {
                plugin.error = std::string("cannot load ") + file + ": " + dlerror();
                return;
            }
            auto abi = reinterpret_cast<TsBackendPluginAbiFn>(dlsym(handle, "tsBackendPluginAbi"));
            auto create = reinterpret_cast<TsBackendPluginCreateFn>(
                    dlsym(handle, "tsBackendPluginCreate"));
            if (!abi || !create || abi() != TS_BACKEND_PLUGIN_ABI) {
                plugin.error = file + " is not a TrainStudio "
                        + std::to_string(TS_BACKEND_PLUGIN_ABI) + " backend plugin (stale build?)";
                return;
            }
            plugin.create = create;
            plugin.listDevices = reinterpret_cast<TsBackendPluginListDevicesFn>(
                    dlsym(handle, "tsBackendPluginListDevices"));
            return;
        }
        plugin.error = "this build has no CUDA backend (no " + std::string(CudaPluginFile)
                + " next to the executable; it is built when nvcc is found)";
    });
    return plugin;
}

} // namespace

const std::vector<std::string>& deviceNames()
{
    static const std::vector<std::string> names { "auto", "cpu", "cuda" };
    return names;
}

DeviceRequest deviceRequestFromName(const std::string& name)
{
    return name == "cpu"     ? DeviceRequest::Cpu
            : name == "cuda" ? DeviceRequest::Cuda
                             : DeviceRequest::Auto;
}

int defaultCpuThreads()
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0)
        return std::max(1, CPU_COUNT(&set));
    return 1;
}

std::unique_ptr<Backend> createCpuBackend(int threads)
{
    return std::make_unique<CpuBackend>(threads > 0 ? threads : defaultCpuThreads());
}

Expected<std::unique_ptr<Backend>> createCudaBackend(int device)
{
    const LoadedPlugin& plugin = cudaPlugin();
    if (!plugin.create)
        return Error(ErrorKind::Unsupported, plugin.error);
    Backend* backend = nullptr;
    char reason[512] = {};
    if (plugin.create(device, &backend, reason, sizeof reason) != 0 || !backend)
        return Error(ErrorKind::Unsupported, reason[0] ? reason : "the CUDA backend failed");
    return std::unique_ptr<Backend>(backend);
}

Expected<std::vector<GpuInfo>> listCudaDevices()
{
    const LoadedPlugin& plugin = cudaPlugin();
    if (!plugin.create)
        return Error(ErrorKind::Unsupported, plugin.error);
    if (!plugin.listDevices)
        return Error(ErrorKind::Unsupported,
                     "the CUDA plugin cannot list its devices (stale build?)");
    std::vector<TsDeviceInfo> devices(16);
    char reason[512] = {};
    const int n = plugin.listDevices(devices.data(), int(devices.size()), reason, sizeof reason);
    if (n < 0)
        return Error(ErrorKind::Unsupported, reason[0] ? reason : "cannot list CUDA devices");
    std::vector<GpuInfo> gpus;
    for (int i = 0; i < std::min<int>(n, int(devices.size())); ++i)
        gpus.push_back({ devices[size_t(i)].name, devices[size_t(i)].memoryTotal,
                         devices[size_t(i)].memoryFree });
    return gpus;
}

Expected<BackendSelection> selectBackend(DeviceRequest request, int cpuThreads)
{
    if (request == DeviceRequest::Cpu)
        return BackendSelection { createCpuBackend(cpuThreads), {} };
    auto cuda = createCudaBackend(0);
    if (cuda)
        return BackendSelection { std::move(*cuda), {} };
    if (request == DeviceRequest::Cuda)
        return std::move(cuda).error().wrap(
                "device \"cuda\" was requested but CUDA is unavailable");
    return BackendSelection { createCpuBackend(cpuThreads),
                              "CUDA not used: " + cuda.error().message() };
}

} // namespace ts::tensor
