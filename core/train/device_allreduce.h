// DeviceAllReduce: the all-reduce of GPU ranks that never leaves the devices -- NCCL through the
// backend's collectives (tensor/backend.h), as Horovod and PyTorch's DDP do on GPUs. The
// all-reduce strategy (train/allreduce_strategy.h) asks for it when it begins; it is used only
// when every rank's backend has collectives (all ranks on GPUs, NCCL loadable everywhere),
// otherwise every rank sums through host memory with the ring, so the ranks always agree.
//
// Joining: every rank says whether it can (a one-value ring all-reduce counts them); rank 0
// makes the NCCL group id and sends it to every other rank over the job's data plane (which the
// coordinator's rendezvous connected), and all join the group with it. Then each parameter's
// gradient is weighed (rows / globalRows) and summed in place on the device as soon as the
// backward pass has written it, queued on the backend's stream; finish() waits for the stream.
//
// THREAD SAFETY: the training thread only.
#pragma once

#include "common/result.h"

#include <chrono>
#include <memory>
#include <string>

namespace ts::dist {
class DataPlane;
}
namespace ts::tensor {
class Backend;
class Tensor;
} // namespace ts::tensor

namespace ts::train {

class DeviceAllReduce
{
public:
    // Joins the ranks of `plane` in a device group when all can; null when some cannot (`why`
    // then names the first rank's reason, e.g. "the CPU (OpenBLAS ...) has none"). An error when
    // the agreement or the join fails (a lost peer, NCCL refusing the group).
    static common::Expected<std::unique_ptr<DeviceAllReduce>>
    join(dist::DataPlane& plane, tensor::Backend& backend, std::chrono::milliseconds timeout,
         std::string* why = nullptr);

    // Queues grad *= weight, then its sum over the ranks, in place.
    common::Result reduce(tensor::Tensor& grad, float weight);
    // Waits until every queued reduction has finished.
    common::Result finish();

private:
    explicit DeviceAllReduce(tensor::Backend& backend)
        : m_backend(backend)
    {}
    tensor::Backend& m_backend;
};

} // namespace ts::train
