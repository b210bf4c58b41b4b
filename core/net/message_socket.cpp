#include "net/message_socket.h"

#include <zmq_addon.hpp>

#include <cerrno>

namespace ts::net {

using common::Error;
using common::ErrorKind;

std::string userIdOf(const Received& received)
{
    if (received.frames.empty())
        return {};
    try {
        // gets() is not const in cppzmq, though it only reads the property.
        const char* id = const_cast<zmq::message_t&>(received.frames.back()).gets("User-Id");
        return id ? id : "";
    } catch (const zmq::error_t&) {
        return {}; // no such property: no ZAP handler answered for this connection
    }
}

void applyLimits(zmq::socket_t& socket, const Limits& limits)
{
    socket.set(zmq::sockopt::maxmsgsize,
               int64_t(std::max(limits.maxHeaderBytes, limits.maxPayloadBytes)));
    socket.set(zmq::sockopt::linger, 0);
    // ZMTP heartbeats under our own: a peer whose machine vanished (no FIN, no RST) is noticed
    // and the connection dropped and re-made, instead of queueing into a dead TCP connection.
    socket.set(zmq::sockopt::heartbeat_ivl, 1000);
    socket.set(zmq::sockopt::heartbeat_timeout, 5000);
    socket.set(zmq::sockopt::heartbeat_ttl, 5000);
}

common::Result sendMessage(zmq::socket_t& socket, const wire::Header& header,
                           std::span<const std::string_view> payloads, const std::string& routingId)
{
    std::vector<size_t> sizes;
    for (const std::string_view payload : payloads)
        sizes.push_back(payload.size());
    const std::string headerFrame = encodeHeader(header, sizes);
    std::vector<zmq::const_buffer> frames;
    if (!routingId.empty())
        frames.push_back(zmq::buffer(routingId));
    frames.push_back(zmq::buffer(headerFrame));
    for (const std::string_view payload : payloads)
        frames.push_back(zmq::buffer(payload.data(), payload.size()));
    try {
        if (!zmq::send_multipart(socket, frames, zmq::send_flags::dontwait))
            return Error(ErrorKind::Io,
                         "cannot send a " + typeName(header.type())
                                 + " message: the peer's queue is full");
    } catch (const zmq::error_t& e) {
        return Error(ErrorKind::Io,
                     "cannot send a " + typeName(header.type()) + " message: " + e.what());
    }
    return {};
}

common::Expected<std::optional<Received>> receiveMessage(zmq::socket_t& socket, bool router,
                                                         std::chrono::milliseconds timeout,
                                                         const Limits& limits)
{
    zmq::pollitem_t item { socket.handle(), 0, ZMQ_POLLIN, 0 };
    try {
        if (zmq::poll(&item, 1, timeout) == 0)
            return std::optional<Received>();
    } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) // a signal (SIGTERM to stop the agent): the caller checks its flag
            return std::optional<Received>();
        return Error(ErrorKind::Io, std::string("cannot poll: ") + e.what());
    }
    Received received;
    // At most the frames a message may have, plus the routing id: more is dropped unread.
    std::vector<zmq::message_t> frames;
    try {
        if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait))
            return std::optional<Received>();
    } catch (const zmq::error_t& e) {
        return Error(ErrorKind::Io, std::string("cannot receive: ") + e.what());
    }
    size_t first = 0;
    if (router) {
        if (frames.empty())
            return Error(ErrorKind::InvalidInput, "a message without a routing id");
        received.routingId = frames[0].to_string();
        first = 1;
    }
    received.frames = std::move(frames);
    std::vector<std::string_view> views;
    for (size_t i = first; i < received.frames.size(); ++i)
        views.push_back(received.frames[i].to_string_view());
    auto message = decode(views, limits);
    if (!message)
        return std::move(message).error();
    received.message = std::move(*message);
    return std::optional<Received>(std::move(received));
}

} // namespace ts::net
