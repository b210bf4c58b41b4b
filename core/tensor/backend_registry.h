// Choosing the compute backend at run time.
//
// The CPU backend is always built in. The CUDA backend is a plugin (libtrainstudio-cuda.so) that
// is loaded with dlopen only when asked for, because a binary linked to cuBLAS would not even start
// on a machine without the CUDA libraries. The plugin is looked for, in order, in
// $TRAINSTUDIO_PLUGIN_DIR, next to the executable (../lib and ../lib/trainstudio) and in the
// install folder. It offers a device only when cudaGetDeviceCount succeeds and finds one.
//
// DeviceRequest::Auto takes CUDA when a device is present and otherwise the CPU, and says why in
// BackendSelection::note, so the user always learns which device ran and why.
#pragma once

#include "common/result.h"
#include "tensor/backend.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ts::tensor {

enum class DeviceRequest { Auto, Cpu, Cuda };

// The spellings users write (pipeline "device", --device): "auto", "cpu", "cuda".
const std::vector<std::string>& deviceNames();
// The request a spelling names; Auto for anything else (callers validate against deviceNames()).
DeviceRequest deviceRequestFromName(const std::string& name);

struct BackendSelection
{
    std::unique_ptr<Backend> backend;
    // Why this backend was chosen, e.g. "CUDA not used: cudaErrorInsufficientDriver: CUDA driver
    // version is insufficient for CUDA runtime version". Empty when the request was explicit.
    std::string note;
};

// The number of CPU threads to use when the user gave none: the cores this process may run on.
int defaultCpuThreads();

std::unique_ptr<Backend> createCpuBackend(int threads);

// Loads the CUDA plugin and creates a backend on `device`, or explains why it cannot
// (ErrorKind::Unsupported: plugin not built or not loadable, no driver, no device).
common::Expected<std::unique_ptr<Backend>> createCudaBackend(int device = 0);

// A GPU of this machine, as the CUDA runtime sees it (the agent reports them when it registers).
struct GpuInfo
{
    std::string name;
    uint64_t memoryTotal = 0; // bytes
    uint64_t memoryFree = 0;  // bytes, when listed
};

// The CUDA devices through the plugin; empty (with the reason) when there is no plugin, driver or
// device.
common::Expected<std::vector<GpuInfo>> listCudaDevices();

// Resolves a request; fails only when CUDA was requested explicitly and is unavailable.
common::Expected<BackendSelection> selectBackend(DeviceRequest request, int cpuThreads);

} // namespace ts::tensor
