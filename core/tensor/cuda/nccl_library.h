// NcclLibrary: NVIDIA's collective library, loaded at run time (dlopen "libnccl.so.2") so the
// CUDA plugin still loads -- and trains on one GPU -- on machines without NCCL. Only the calls
// the data-parallel strategy needs; their types come from the toolkit's nccl.h.
//
// THREAD SAFETY: nccl() loads once (std::call_once); the table is read-only after.
#pragma once

#include <nccl.h>

#include <string>

namespace ts::tensor::cuda_impl {

struct NcclLibrary
{
    ncclResult_t (*getUniqueId)(ncclUniqueId* id) = nullptr;
    ncclResult_t (*commInitRank)(ncclComm_t* comm, int ranks, ncclUniqueId id, int rank) = nullptr;
    ncclResult_t (*allReduce)(const void* send, void* receive, size_t count, ncclDataType_t type,
                              ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream) = nullptr;
    ncclResult_t (*commDestroy)(ncclComm_t comm) = nullptr;
    const char* (*errorString)(ncclResult_t result) = nullptr;
    int version = 0; // ncclGetVersion: 22805 for 2.28.5
};

// The loaded library, or null with the reason in `why` ("libnccl.so.2: cannot open shared object
// file", "libnccl.so.2 has no ncclCommInitRank").
const NcclLibrary* nccl(std::string* why);

} // namespace ts::tensor::cuda_impl
