// Sending and receiving wire messages (net/frame_codec.h) on ZeroMQ sockets.
//
// On a ROUTER socket every message starts with the peer's routing id; sendMessage takes it,
// receiveMessage returns it. Frames a peer sends are checked by the codec before anything reads
// them; a refused message comes back as an error the caller counts and logs, never acts on.
#pragma once

#include "common/result.h"
#include "net/frame_codec.h"

#include <zmq.hpp>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ts::net {

// A checked message and the frames its payload views point into.
struct Received
{
    std::string routingId; // ROUTER sockets only
    Message message;
    std::vector<zmq::message_t> frames;
};

// The Z85 public key the ZAP handler admitted the sender of `received` with ("User-Id"), or ""
// when the socket has no ZAP handler.
std::string userIdOf(const Received& received);

// Sets the socket options every TrainStudio socket has: ZMQ_MAXMSGSIZE from `limits` (libzmq
// drops a larger frame before it is buffered), linger 0, and ZMTP heartbeats every second (a
// connection silent for 5 s is dropped and re-made).
void applyLimits(zmq::socket_t& socket, const Limits& limits = {});

// Sends `header` and `payloads` as one multipart message (to `routingId` on a ROUTER socket).
// Io error when the socket refuses (a ROUTER peer that is gone is not an error: ZeroMQ drops it).
common::Result sendMessage(zmq::socket_t& socket, const wire::Header& header,
                           std::span<const std::string_view> payloads = {},
                           const std::string& routingId = {});

// Waits up to `timeout` for one message; nullopt when none came. `router`: the socket prepends
// routing ids. InvalidInput when the message was refused (net::decode's reason).
common::Expected<std::optional<Received>> receiveMessage(zmq::socket_t& socket, bool router,
                                                         std::chrono::milliseconds timeout,
                                                         const Limits& limits = {});

} // namespace ts::net
