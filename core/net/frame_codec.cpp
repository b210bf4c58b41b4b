#include "net/frame_codec.h"

#include <google/protobuf/stubs/logging.h>

#include <cctype>

namespace ts::net {
namespace {

using common::Error;
using common::ErrorKind;

Error refuse(const std::string& what)
{
    return Error(ErrorKind::InvalidInput, what);
}

// libprotobuf logs every malformed string field to stderr on its own; a peer sending garbage
// could flood the log with it. decode() reports each refusal once, so protobuf's logging is
// silenced (for this process: the wire is its only use of protobuf).
void silenceProtobufLog()
{
    static const bool silenced = [] {
        google::protobuf::SetLogHandler(
                [](google::protobuf::LogLevel, const char*, int, const std::string&) {});
        return true;
    }();
    (void)silenced;
}

std::string bytes(size_t n)
{
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

// The body a message type must carry; REGISTERED carries none (BODY_NOT_SET), and so does an
// unknown type, which decode() refuses.
wire::Header::BodyCase bodyOf(wire::MessageType type)
{
    switch (type) {
    case wire::REGISTER:
        return wire::Header::kRegister;
    case wire::HEARTBEAT:
        return wire::Header::kHeartbeat;
    case wire::ASSIGN:
        return wire::Header::kAssign;
    case wire::METRICS:
        return wire::Header::kMetrics;
    case wire::LOG:
        return wire::Header::kLog;
    case wire::CANCEL:
        return wire::Header::kCancel;
    case wire::ACK:
        return wire::Header::kAck;
    case wire::ERROR:
        return wire::Header::kError;
    case wire::TENSOR:
        return wire::Header::kTensor;
    case wire::RECORDS:
        return wire::Header::kRecords;
    case wire::RENDEZVOUS:
        return wire::Header::kRendezvous;
    case wire::FETCH_DATA:
        return wire::Header::kFetchData;
    case wire::DATA_CHUNK:
        return wire::Header::kDataChunk;
    default:
        return wire::Header::BODY_NOT_SET;
    }
}

// A tensor's payload holds product(shape) float32 values.
common::Result checkTensor(const wire::TensorInfo& tensor,
                           const std::vector<std::string_view>& payloads)
{
    if (payloads.size() != 1)
        return refuse("tensor '" + tensor.name() + "': " + std::to_string(payloads.size())
                      + " payload frames, a tensor has exactly 1");
    uint64_t elements = 1;
    for (const int64_t dim : tensor.shape()) {
        if (dim < 0 || (dim > 0 && elements > (uint64_t(1) << 40) / uint64_t(dim)))
            return refuse("tensor '" + tensor.name() + "': shape dimension " + std::to_string(dim)
                          + " is negative or too large");
        elements *= uint64_t(dim);
    }
    if (elements * 4 != payloads[0].size())
        return refuse("tensor '" + tensor.name() + "': shape holds " + std::to_string(elements)
                      + " float32 values (" + bytes(elements * 4) + "), the payload has "
                      + bytes(payloads[0].size()));
    return {};
}

// Every checkpoint record names a payload frame that came, and no two name the same one.
common::Result checkRecords(const wire::Records& records,
                            const std::vector<std::string_view>& payloads)
{
    std::vector<bool> used(payloads.size(), false);
    for (const wire::Record& record : records.records()) {
        if (record.kind_case() == wire::Record::KIND_NOT_SET)
            return refuse("records: record " + std::to_string(record.sequence())
                          + " has no content");
        if (!record.has_checkpoint())
            continue;
        const uint32_t index = record.checkpoint().payload();
        if (index >= payloads.size() || used[index])
            return refuse("records: the checkpoint of record " + std::to_string(record.sequence())
                          + " names payload " + std::to_string(index) + " of "
                          + std::to_string(payloads.size())
                          + (index < used.size() ? ", taken" : ""));
        used[index] = true;
    }
    return {};
}

// A data chunk carries its bytes in one payload frame, or an error and none; a fetch asks for at
// most MaxDataChunkBytes and carries nothing.
common::Result checkData(const wire::Header& header, const std::vector<std::string_view>& payloads)
{
    if (header.type() == wire::FETCH_DATA) {
        if (!payloads.empty() || header.fetch_data().length() == 0
            || header.fetch_data().length() > MaxDataChunkBytes)
            return refuse("fetch_data: asks for " + bytes(header.fetch_data().length()) + " with "
                          + std::to_string(payloads.size())
                          + " payload frames; a fetch asks for 1 to " + bytes(MaxDataChunkBytes)
                          + " with none");
        return {};
    }
    const size_t expected = header.data_chunk().error().empty() ? 1 : 0;
    if (payloads.size() != expected)
        return refuse("data_chunk: " + std::to_string(payloads.size()) + " payload frames, "
                      + (expected ? "a chunk has exactly 1" : "an error has none"));
    return {};
}

} // namespace

std::string typeName(int type)
{
    if (!wire::MessageType_IsValid(type) || type == wire::MESSAGE_TYPE_UNSPECIFIED)
        return "type " + std::to_string(type);
    std::string name = wire::MessageType_Name(wire::MessageType(type));
    for (char& c : name)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

std::string encodeHeader(wire::Header header, std::span<const size_t> payloadSizes)
{
    header.set_protocol_version(ProtocolVersion);
    header.clear_payload_sizes();
    for (const size_t size : payloadSizes)
        header.add_payload_sizes(size);
    return header.SerializeAsString();
}

std::vector<std::string> encode(wire::Header header, std::span<const std::string_view> payloads)
{
    std::vector<size_t> sizes;
    for (const std::string_view payload : payloads)
        sizes.push_back(payload.size());
    std::vector<std::string> frames;
    frames.push_back(encodeHeader(std::move(header), sizes));
    for (const std::string_view payload : payloads)
        frames.emplace_back(payload);
    return frames;
}

common::Expected<Message> decode(std::span<const std::string_view> frames, const Limits& limits)
{
    // Sizes first: nothing is parsed before the message is known to be of a sane shape.
    if (frames.empty())
        return refuse("an empty message (no header frame)");
    if (frames.size() > limits.maxFrames)
        return refuse(std::to_string(frames.size()) + " frames, more than the limit of "
                      + std::to_string(limits.maxFrames));
    if (frames[0].size() > limits.maxHeaderBytes)
        return refuse("frame 0: a header of " + bytes(frames[0].size())
                      + ", more than the limit of " + bytes(limits.maxHeaderBytes));
    for (size_t i = 1; i < frames.size(); ++i) {
        if (frames[i].size() > limits.maxPayloadBytes)
            return refuse("frame " + std::to_string(i) + ": " + bytes(frames[i].size())
                          + ", more than the limit of " + bytes(limits.maxPayloadBytes));
    }
    silenceProtobufLog();
    Message message;
    if (!message.header.ParseFromArray(frames[0].data(), int(frames[0].size())))
        return refuse("frame 0: not a TrainStudio message header (" + bytes(frames[0].size())
                      + " that do not parse as one)");
    const wire::Header& header = message.header;
    if (header.protocol_version() != ProtocolVersion)
        return refuse("protocol version " + std::to_string(header.protocol_version())
                      + ", this program speaks version " + std::to_string(ProtocolVersion)
                      + "; run the same TrainStudio release on both sides");
    const wire::Header::BodyCase expected = bodyOf(header.type());
    if (expected == wire::Header::BODY_NOT_SET && header.type() != wire::REGISTERED)
        return refuse("unknown message " + typeName(header.type()));
    if (header.body_case() != expected)
        return refuse(typeName(header.type()) + " message without its " + typeName(header.type())
                      + " body");
    if (size_t(header.payload_sizes_size()) != frames.size() - 1)
        return refuse(typeName(header.type()) + ": the header declares "
                      + std::to_string(header.payload_sizes_size()) + " payload frames, "
                      + std::to_string(frames.size() - 1) + " came");
    for (size_t i = 1; i < frames.size(); ++i) {
        if (header.payload_sizes(int(i - 1)) != frames[i].size())
            return refuse(typeName(header.type()) + ": payload " + std::to_string(i - 1) + " has "
                          + bytes(frames[i].size()) + ", the header declares "
                          + bytes(header.payload_sizes(int(i - 1))));
        message.payloads.push_back(frames[i]);
    }
    // Other types may carry payloads (shard chunks) that their receiver interprets.
    if (header.type() == wire::TENSOR)
        TS_TRY(checkTensor(header.tensor(), message.payloads));
    if (header.type() == wire::RECORDS)
        TS_TRY(checkRecords(header.records(), message.payloads));
    if (header.type() == wire::FETCH_DATA || header.type() == wire::DATA_CHUNK)
        TS_TRY(checkData(header, message.payloads));
    return message;
}

} // namespace ts::net
