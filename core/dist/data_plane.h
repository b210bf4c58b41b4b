// DataPlane: a rank's socket to the other ranks of its job (DESIGN.md, Wire protocol: ranks talk
// peer-to-peer on their own sockets, secured with per-job CURVE keys).
//
// Each rank binds a ROUTER on its machine -- a CURVE server with the job's key pair, whose ZAP
// handler admits only clients holding that same key pair, which the coordinator gave to this job's
// ranks alone -- and reports the endpoint; the coordinator hands every rank the table of all
// endpoints (the rendezvous), and connect() opens a connection to every peer and waits until each
// has said hello, so a job starts training only once its whole data plane works.
//
// @code
//     auto plane = dist::DataPlane::bind("gpu-box-1", jobKeys, rank, worldSize);
//     report((*plane)->endpoint());                  // "tcp://gpu-box-1:41234"
//     TS_TRY((*plane)->connect(endpointsByRank, std::chrono::seconds(60), &cancel));
// @endcode
//
// THREAD SAFETY: one thread.
#pragma once

#include "common/result.h"
#include "net/curve_keys.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ts::dist {

class DataPlane
{
public:
    // Binds tcp://`host`:* (any free port; `host` is the address peers reach this machine at),
    // and with `sameHostShortcut` the Unix socket for peers on this machine.
    static common::Expected<std::unique_ptr<DataPlane>> bind(const std::string& host,
                                                             const net::KeyPair& jobKeys, int rank,
                                                             int worldSize,
                                                             bool sameHostShortcut = true);
    ~DataPlane();

    std::string endpoint() const;
    // Connects to every other rank's endpoint (`endpoints[r]` of rank r) and returns once every
    // one of them has said hello here. Io error naming the ranks not heard from in `timeout`;
    // Cancelled when `cancel` turns true.
    common::Result connect(const std::vector<std::string>& endpoints,
                           std::chrono::milliseconds timeout, const std::atomic<bool>* cancel);

    int rank() const;
    int worldSize() const;
    // The peers reached through the same-host socket (after connect).
    int peersOnThisMachine() const;
    // Sends `values` to rank `peer` (after connect) as one TENSOR message named `tag`: a header
    // frame and the float32 values as the raw payload frame.
    common::Result send(int peer, const std::string& tag, std::span<const float> values);
    // The next tensor from any peer (those kept by receive() first): a parameter server's loop.
    // Nothing (no error) when none came within `timeout`. The values are read where the message
    // arrived, without a copy: they live as long as `owner`.
    struct Tensor
    {
        int peer = -1;
        std::string tag;
        std::span<const float> values;
        std::shared_ptr<const void> owner;
    };
    common::Expected<std::optional<Tensor>> receiveAny(std::chrono::milliseconds timeout);
    // The next tensor named `tag` from rank `peer`, in the order sent; tensors of other peers or
    // tags that arrive meanwhile are kept for their own receive(). Io error after `timeout`.
    common::Expected<Tensor> receive(int peer, const std::string& tag,
                                     std::chrono::milliseconds timeout);

    // A few bytes (a group id, a segment's name) as one message `tag`: their length, then the
    // bytes in float32 bit patterns (the plane moves bits, never values).
    common::Result sendBytes(int peer, const std::string& tag, const std::string& bytes);
    common::Expected<std::string> receiveBytes(int peer, const std::string& tag,
                                               std::chrono::milliseconds timeout);

private:
    struct Private;
    explicit DataPlane(std::unique_ptr<Private> d);
    std::unique_ptr<Private> d;
};

} // namespace ts::dist
