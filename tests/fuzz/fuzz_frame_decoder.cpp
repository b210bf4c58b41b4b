// libFuzzer target: the wire decoder (net/frame_codec) on arbitrary frames. Every input must be
// decoded or refused with an error; a crash, a hang, an unbounded allocation or a sanitizer report
// is a bug. The input is cut into frames: byte 0 gives the frame count (mod 8), then each frame
// but the last is a 2-byte big-endian length and its bytes; the last frame takes the rest.
#include "net/frame_codec.h"

#include <cstdint>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size == 0)
        return 0;
    const size_t count = data[0] % 8;
    size_t at = 1;
    std::vector<std::string_view> frames;
    for (size_t i = 0; i + 1 < count && at + 2 <= size; ++i) {
        const size_t length =
                std::min<size_t>((size_t(data[at]) << 8) | data[at + 1], size - at - 2);
        frames.emplace_back(reinterpret_cast<const char*>(data + at + 2), length);
        at += 2 + length;
    }
    if (count > 0)
        frames.emplace_back(reinterpret_cast<const char*>(data + at), size - at);
    ts::net::Limits limits;
    limits.maxPayloadBytes = 4096; // small limits, so the fuzzer reaches them
    limits.maxHeaderBytes = 4096;
    auto message = ts::net::decode(frames, limits);
    if (message) {
        // A message that passed is consistent with itself.
        if (size_t(message->header.payload_sizes_size()) != message->payloads.size())
            __builtin_trap();
        for (size_t i = 0; i < message->payloads.size(); ++i)
            if (message->payloads[i].size() != message->header.payload_sizes(int(i)))
                __builtin_trap();
    } else if (message.error().message().empty()) {
        __builtin_trap(); // every refusal says why
    }
    return 0;
}
