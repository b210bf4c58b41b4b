#include "nccl_library.h"

#include <dlfcn.h>

#include <mutex>

namespace ts::tensor::cuda_impl {

namespace {

struct Loaded
{
    NcclLibrary library;
    std::string error; // empty when loaded
};

template <typename F> bool resolve(void* handle, const char* symbol, F& into, std::string& error)
{
    into = reinterpret_cast<F>(dlsym(handle, symbol));
    if (!into && error.empty())
        error = std::string("libnccl.so.2 has no ") + symbol;
    return into != nullptr;
}

Loaded load()
{
    Loaded loaded;
    // Kept open for the life of the process: communicators may outlive any one backend.
    void* handle = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* error = dlerror();
        loaded.error = error ? error : "libnccl.so.2 cannot be loaded";
        return loaded;
    }
    NcclLibrary& l = loaded.library;
    ncclResult_t (*getVersion)(int*) = nullptr;
    resolve(handle, "ncclGetUniqueId", l.getUniqueId, loaded.error);
    resolve(handle, "ncclCommInitRank", l.commInitRank, loaded.error);
    resolve(handle, "ncclAllReduce", l.allReduce, loaded.error);
    resolve(handle, "ncclCommDestroy", l.commDestroy, loaded.error);
    resolve(handle, "ncclGetErrorString", l.errorString, loaded.error);
    resolve(handle, "ncclGetVersion", getVersion, loaded.error);
    if (loaded.error.empty() && getVersion(&l.version) != ncclSuccess)
        loaded.error = "ncclGetVersion failed";
    return loaded;
}

} // namespace

const NcclLibrary* nccl(std::string* why)
{
    static std::once_flag once;
    static Loaded loaded;
    std::call_once(once, [] { loaded = load(); });
    if (!loaded.error.empty()) {
        if (why)
            *why = loaded.error;
        return nullptr;
    }
    return &loaded.library;
}

} // namespace ts::tensor::cuda_impl
