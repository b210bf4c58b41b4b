// CudaBackend's collectives (cuda_backend.h): an NCCL communicator of one GPU per rank, and the
// in-place all-reduce the data-parallel strategy runs on gradients (train/allreduce_strategy.h).
// The all-reduce is queued on the backend's own stream, after the backward kernels that wrote the
// gradient and before the optimizer's, so no event or extra synchronisation is needed.
//
// NCCL is loaded at run time (nccl_library.h); a build whose toolkit has no nccl.h
// (TS_HAVE_NCCL off) says so instead.
#include "cuda_backend.h"

#include "cuda_check.h"

#if TS_HAVE_NCCL
#include "nccl_library.h"
#endif

#include <cstring>

namespace ts::tensor::cuda_impl {

#if TS_HAVE_NCCL

namespace {

std::string ncclFailure(const NcclLibrary& library, const char* call, ncclResult_t result)
{
    return std::string(call) + " failed: " + library.errorString(result);
}

} // namespace

std::string CudaBackend::collectivesMissing() const
{
    std::string why;
    return nccl(&why) ? std::string() : "NCCL is not available (" + why + ")";
}

std::string CudaBackend::makeCollectiveId(std::string& id)
{
    std::string why;
    const NcclLibrary* library = nccl(&why);
    if (!library)
        return "NCCL is not available (" + why + ")";
    ncclUniqueId unique;
    if (const ncclResult_t result = library->getUniqueId(&unique); result != ncclSuccess)
        return ncclFailure(*library, "ncclGetUniqueId", result);
    id.assign(unique.internal, sizeof unique.internal);
    return {};
}

std::string CudaBackend::joinCollective(const std::string& id, int rank, int ranks)
{
    std::string why;
    const NcclLibrary* library = nccl(&why);
    if (!library)
        return "NCCL is not available (" + why + ")";
    if (id.size() != NCCL_UNIQUE_ID_BYTES)
        return "an NCCL group id has " + std::to_string(NCCL_UNIQUE_ID_BYTES) + " bytes, not "
                + std::to_string(id.size());
    leaveCollective();
    ncclUniqueId unique;
    std::memcpy(unique.internal, id.data(), sizeof unique.internal);
    makeCurrent();
    ncclComm_t comm = nullptr;
    // Blocks until all `ranks` have called it with the same id.
    if (const ncclResult_t result = library->commInitRank(&comm, ranks, unique, rank);
        result != ncclSuccess)
        return ncclFailure(*library, "ncclCommInitRank", result);
    m_collective = comm;
    return {};
}

std::string CudaBackend::allReduceSum(float* data, size_t count)
{
    const NcclLibrary* library = nccl(nullptr);
    if (!library || !m_collective)
        return "no NCCL group joined (joinCollective)";
    makeCurrent();
    if (const ncclResult_t result =
                library->allReduce(data, data, count, ncclFloat32, ncclSum,
                                   static_cast<ncclComm_t>(m_collective), m_stream.get());
        result != ncclSuccess)
        return ncclFailure(*library, "ncclAllReduce", result);
    return {};
}

void CudaBackend::leaveCollective() noexcept
{
    if (!m_collective)
        return;
    if (const NcclLibrary* library = nccl(nullptr))
        library->commDestroy(static_cast<ncclComm_t>(m_collective));
    m_collective = nullptr;
}

#else // no nccl.h in the toolkit this plugin was built with

std::string CudaBackend::collectivesMissing() const
{
    return "this CUDA plugin was built without NCCL (no nccl.h in the CUDA toolkit)";
}

std::string CudaBackend::makeCollectiveId(std::string&)
{
    return collectivesMissing();
}

std::string CudaBackend::joinCollective(const std::string&, int, int)
{
    return collectivesMissing();
}

std::string CudaBackend::allReduceSum(float*, size_t)
{
    return collectivesMissing();
}

void CudaBackend::leaveCollective() noexcept {}

#endif

} // namespace ts::tensor::cuda_impl
