// The C ABI between the core and a backend plugin (a shared library loaded with dlopen).
//
// A plugin exports two functions with C linkage:
//   int tsBackendPluginAbi(void);  returns TS_BACKEND_PLUGIN_ABI of the headers it was built with
//   int tsBackendPluginCreate(int device, ts::tensor::Backend** out, char* error, size_t
//   errorSize);
//       returns 0 and a new backend (owned by the caller, deleted with `delete`) in *out,
//       or non-zero with a NUL-terminated reason in `error` ("cudaErrorNoDevice: no CUDA-capable
//       device is detected").
// and may export (optional: a plugin without it lists no devices)
//   int tsBackendPluginListDevices(TsDeviceInfo* out, int capacity, char* error, size_t errorSize);
//       returns the number of devices (filling up to `capacity` entries), or -1 with a reason.
// Both sides are built from the same tree with the same compiler, so passing a C++ object across
// is safe; the ABI number catches a stale plugin left in a folder.
#pragma once

#include "tensor/backend.h"

#include <cstddef>

#define TS_BACKEND_PLUGIN_ABI 1

extern "C" {
struct TsDeviceInfo
{
    char name[256];
    unsigned long long memoryTotal; // bytes
    unsigned long long memoryFree;  // bytes, when it was listed
};
using TsBackendPluginListDevicesFn = int (*)(TsDeviceInfo* out, int capacity, char* error,
                                             size_t errorSize);
using TsBackendPluginAbiFn = int (*)();
using TsBackendPluginCreateFn = int (*)(int device, ts::tensor::Backend** out, char* error,
                                        size_t errorSize);
}
