#include "train/device_allreduce.h"

#include "dist/data_plane.h"
#include "dist/ring_allreduce.h"
#include "tensor/backend.h"
#include "tensor/tensor.h"

#include <vector>

namespace ts::train {

using common::Error;
using common::ErrorKind;

common::Expected<std::unique_ptr<DeviceAllReduce>>
DeviceAllReduce::join(dist::DataPlane& plane, tensor::Backend& backend,
                      std::chrono::milliseconds timeout, std::string* why)
{
    const int ranks = plane.worldSize();
    const std::string missing = backend.collectivesMissing();
    // How many ranks can: all, or the ring for everyone.
    std::vector<float> able { missing.empty() ? 1.0f : 0.0f };
    if (common::Result agreed = dist::ringAllReduce(plane, able, "device-group", timeout); !agreed)
        return std::move(agreed).error().wrap("agreeing on the all-reduce of GPU ranks");
    if (int(able[0]) != ranks) {
        if (why)
            *why = missing.empty() ? "another rank has no device collectives" : missing;
        return std::unique_ptr<DeviceAllReduce>();
    }
    std::string id;
    if (plane.rank() == 0) {
        const std::string failed = backend.makeCollectiveId(id);
        // Sent even when empty: the others then fail at once instead of waiting out `timeout`.
        for (int peer = 1; peer < ranks; ++peer)
            TS_TRY(plane.sendBytes(peer, "device-group-id", failed.empty() ? id : std::string()));
        if (!failed.empty())
            return Error(ErrorKind::Unsupported, "NCCL group id: " + failed);
    } else {
        auto received = plane.receiveBytes(0, "device-group-id", timeout);
        TS_TRY(received);
        id = std::move(*received);
    }
    if (std::string failed = backend.joinCollective(id, plane.rank(), ranks); !failed.empty())
        return Error(ErrorKind::Unsupported,
                     "rank " + std::to_string(plane.rank())
                             + " cannot join the NCCL group: " + failed);
    return std::unique_ptr<DeviceAllReduce>(new DeviceAllReduce(backend));
}

common::Result DeviceAllReduce::reduce(tensor::Tensor& grad, float weight)
{
    if (weight != 1)
        m_backend.scale(grad, weight);
    if (std::string failed = m_backend.allReduceSum(grad.data(), size_t(grad.size()));
        !failed.empty())
        return Error(ErrorKind::Io, "all-reduce on the device: " + failed);
    return {};
}

common::Result DeviceAllReduce::finish()
{
    m_backend.synchronize();
    return {};
}

} // namespace ts::train
