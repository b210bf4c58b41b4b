// FrameCodec: a wire message as ZeroMQ frames, and the one place where frames from the network
// are parsed and checked.
//
// A message is a header frame (wire::Header of net/trainstudio.proto, serialised) followed by
// payload frames of raw bytes whose sizes the header declares. decode() trusts nothing: before
// the header is parsed it checks the frame count and sizes against Limits; then the protocol
// version (a mismatch names both versions, so an operator knows which side to update), the
// message type and its body, the declared payload sizes against the frames, and a tensor's shape
// against its payload. Every refusal is one ErrorKind::InvalidInput error saying what was wrong;
// the caller counts it and drops the message.
//
// @code
//     wire::Header header;
//     header.set_type(wire::HEARTBEAT);
//     header.mutable_heartbeat()->set_time(now);
//     const std::vector<std::string> frames = net::encode(header, {});
//     ...
//     auto message = net::decode(received, limits);
//     if (!message)
//         log(message.error().message()); // "frame 0: not a TrainStudio header ..."
// @endcode
//
// THREAD SAFETY: pure functions.
#pragma once

#include "common/result.h"
#include "net/trainstudio.pb.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ts::net {

// The version this build speaks; both sides refuse a message of another version.
constexpr uint32_t ProtocolVersion = 1;

// The most a FETCH_DATA may ask for at once: a data file travels in chunks of about 1 MiB.
constexpr uint32_t MaxDataChunkBytes = 16u << 20;

struct Limits
{
    size_t maxFrames = 64;                    // header + payloads
    size_t maxHeaderBytes = 4u << 20;         // a header is small: metrics batches, rendezvous
    size_t maxPayloadBytes = size_t(1) << 30; // per payload frame (a 256 M-parameter tensor)
};

// A checked message: the header, and views of the payload frames (which must outlive it).
struct Message
{
    wire::Header header;
    std::vector<std::string_view> payloads;
};

// The frames of `header` (protocol_version and payload_sizes filled in here) and `payloads`.
// The payload frames are copies; a zero-copy sender sends the header frame from this and its own
// buffers as the payload frames.
std::vector<std::string> encode(wire::Header header, std::span<const std::string_view> payloads);

// The header frame alone, for senders of their own payload buffers of `payloadSizes` bytes.
std::string encodeHeader(wire::Header header, std::span<const size_t> payloadSizes);

// Checks and parses `frames` (see above).
common::Expected<Message> decode(std::span<const std::string_view> frames,
                                 const Limits& limits = {});

// "heartbeat", "assign", ...: the names of message types in messages.
std::string typeName(int type);

} // namespace ts::net
