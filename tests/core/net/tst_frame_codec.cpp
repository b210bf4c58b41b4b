// The wire codec: messages survive the round trip, and every malformed or oversized message from
// the network is refused with one error saying what was wrong, before anything acts on it.
#include "net/frame_codec.h"

#include <QtTest/QTest>

#include <functional>

using namespace ts;

namespace {

// A well-formed tensor message: header + one payload of 2 x 3 float32 values.
std::vector<std::string> tensorMessage()
{
    wire::Header header;
    header.set_type(wire::TENSOR);
    header.set_job("job-1");
    header.set_rank(2);
    header.mutable_tensor()->set_name("dense1.weight");
    header.mutable_tensor()->add_shape(2);
    header.mutable_tensor()->add_shape(3);
    const std::string payload(24, '\x01');
    const std::string_view payloads[] = { payload };
    return net::encode(header, payloads);
}

std::vector<std::string_view> views(const std::vector<std::string>& frames)
{
    return { frames.begin(), frames.end() };
}

wire::Header headerOf(const std::vector<std::string>& frames)
{
    wire::Header header;
    header.ParseFromString(frames[0]);
    return header;
}

using Mutation = std::function<void(std::vector<std::string>&)>;

} // namespace

Q_DECLARE_METATYPE(Mutation)

class TestFrameCodec final : public QObject
{
    Q_OBJECT

private slots:
    void roundTrip()
    {
        wire::Header header;
        header.set_type(wire::METRICS);
        header.set_sequence(41);
        auto* point = header.mutable_metrics()->add_points();
        point->set_name("train_loss");
        point->set_step(7);
        point->set_value(0.25);
        const std::vector<std::string> frames = net::encode(header, {});
        QCOMPARE(frames.size(), size_t(1));
        auto message = net::decode(views(frames));
        QVERIFY2(message, message ? "" : message.error().message().c_str());
        QCOMPARE(message->header.protocol_version(), net::ProtocolVersion);
        QCOMPARE(message->header.sequence(), uint64_t(41));
        QCOMPARE(message->header.metrics().points(0).value(), 0.25);

        const std::vector<std::string> tensor = tensorMessage();
        auto decoded = net::decode(views(tensor));
        QVERIFY2(decoded, decoded ? "" : decoded.error().message().c_str());
        QCOMPARE(decoded->payloads.size(), size_t(1));
        QCOMPARE(decoded->payloads[0].size(), size_t(24));
        QCOMPARE(decoded->header.tensor().name(), std::string("dense1.weight"));

        wire::Header chunk;
        chunk.set_type(wire::DATA_CHUNK);
        chunk.mutable_data_chunk()->set_sha256(std::string(64, 'f'));
        chunk.mutable_data_chunk()->set_offset(1 << 20);
        const std::string bytes(1000, 'x');
        const std::string_view chunkPayloads[] = { bytes };
        const std::vector<std::string> chunkFrames = net::encode(chunk, chunkPayloads);
        auto received = net::decode(views(chunkFrames));
        QVERIFY2(received, received ? "" : received.error().message().c_str());
        QCOMPARE(received->header.data_chunk().offset(), uint64_t(1 << 20));
        QCOMPARE(received->payloads[0], std::string_view(bytes));
    }

    void refusesMalformedMessages_data()
    {
        QTest::addColumn<Mutation>("mutate");
        QTest::addColumn<QString>("message");

        QTest::newRow("no frames")
                << Mutation([](auto& f) { f.clear(); }) << "an empty message (no header frame)";
        QTest::newRow("a header that is not protobuf")
                << Mutation([](auto& f) { f[0] = "\xff\xff\xff"; })
                << "frame 0: not a TrainStudio message header (3 bytes that do not parse as one)";
        QTest::newRow("another protocol version")
                << Mutation([](auto& f) {
                       wire::Header h = headerOf(f);
                       h.set_protocol_version(2);
                       f[0] = h.SerializeAsString();
                   })
                << "protocol version 2, this program speaks version 1; run the same TrainStudio "
                   "release on both sides";
        QTest::newRow("an unknown message type") << Mutation([](auto& f) {
            wire::Header h = headerOf(f);
            h.set_type(wire::MessageType(99));
            f[0] = h.SerializeAsString();
        }) << "unknown message type 99";
        QTest::newRow("a type without its body") << Mutation([](auto& f) {
            wire::Header h = headerOf(f);
            h.set_type(wire::HEARTBEAT);
            f[0] = h.SerializeAsString();
        }) << "heartbeat message without its heartbeat body";
        QTest::newRow("a payload frame the header does not declare")
                << Mutation([](auto& f) { f.push_back("extra"); })
                << "tensor: the header declares 1 payload frames, 2 came";
        QTest::newRow("a payload shorter than declared")
                << Mutation([](auto& f) { f[1].resize(20); })
                << "tensor: payload 0 has 20 bytes, the header declares 24 bytes";
        QTest::newRow("a shape that does not match the payload")
                << Mutation([](auto& f) {
                       wire::Header h = headerOf(f);
                       h.mutable_tensor()->set_shape(1, 4);
                       f[0] = h.SerializeAsString();
                   })
                << "tensor 'dense1.weight': shape holds 8 float32 values (32 bytes), the payload "
                   "has 24 bytes";
        QTest::newRow("a negative dimension") << Mutation([](auto& f) {
            wire::Header h = headerOf(f);
            h.mutable_tensor()->set_shape(0, -2);
            f[0] = h.SerializeAsString();
        }) << "tensor 'dense1.weight': shape dimension -2 is negative or too large";
        // RECORDS: the tensor message turned into records whose checkpoints name payload frames.
        const auto records = [](std::vector<int> checkpointPayloads, bool empty) {
            return Mutation([checkpointPayloads, empty](auto& f) {
                wire::Header h = headerOf(f);
                h.set_type(wire::RECORDS);
                wire::Records& r = *h.mutable_records();
                for (size_t i = 0; i < checkpointPayloads.size(); ++i) {
                    wire::Record& record = *r.add_records();
                    record.set_sequence(5 + i);
                    record.mutable_checkpoint()->set_payload(uint32_t(checkpointPayloads[i]));
                }
                if (empty)
                    r.add_records()->set_sequence(9);
                f[0] = h.SerializeAsString();
            });
        };
        QTest::newRow("a record without content")
                << records({}, true) << "records: record 9 has no content";
        QTest::newRow("a checkpoint naming a payload that did not come")
                << records({ 3 }, false)
                << "records: the checkpoint of record 5 names payload 3 of 1";
        QTest::newRow("two checkpoints naming one payload")
                << records({ 0, 0 }, false)
                << "records: the checkpoint of record 6 names payload 0 of 1, taken";
        // Data delivery: the tensor message turned into a data chunk or a fetch.
        const auto dataChunk = [](const std::string& error) {
            return Mutation([error](auto& f) {
                wire::Header h = headerOf(f);
                h.set_type(wire::DATA_CHUNK);
                h.mutable_data_chunk()->set_sha256(std::string(64, 'a'));
                h.mutable_data_chunk()->set_error(error);
                f[0] = h.SerializeAsString();
            });
        };
        QTest::newRow("a data chunk with a refusal and bytes")
                << dataChunk("gone") << "data_chunk: 1 payload frames, an error has none";
        const auto fetch = [](uint32_t length) {
            return Mutation([length](auto& f) {
                wire::Header h = headerOf(f);
                h.set_type(wire::FETCH_DATA);
                h.mutable_fetch_data()->set_length(length);
                h.clear_payload_sizes();
                f[0] = h.SerializeAsString();
                f.resize(1);
            });
        };
        QTest::newRow("a fetch of nothing")
                << fetch(0)
                << "fetch_data: asks for 0 bytes with 0 payload frames; a fetch asks for 1 to "
                   "16777216 bytes with none";
        QTest::newRow("a fetch over the chunk limit")
                << fetch((16u << 20) + 1)
                << "fetch_data: asks for 16777217 bytes with 0 payload frames; a fetch asks for 1 "
                   "to 16777216 bytes with none";
        QTest::newRow("too many frames") << Mutation([](auto& f) { f.resize(65, std::string()); })
                                         << "65 frames, more than the limit of 64";
        QTest::newRow("a header over the limit")
                << Mutation([](auto& f) { f[0].resize((4u << 20) + 1); })
                << "frame 0: a header of 4194305 bytes, more than the limit of 4194304 bytes";
    }
    void refusesMalformedMessages()
    {
        QFETCH(Mutation, mutate);
        QFETCH(QString, message);
        std::vector<std::string> frames = tensorMessage();
        mutate(frames);
        auto decoded = net::decode(views(frames));
        QVERIFY(!decoded);
        QCOMPARE(decoded.error().kind(), common::ErrorKind::InvalidInput);
        QCOMPARE(QString::fromStdString(decoded.error().message()), message);
    }

    void payloadLimit()
    {
        const std::vector<std::string> frames = tensorMessage();
        net::Limits limits;
        limits.maxPayloadBytes = 16;
        auto decoded = net::decode(views(frames), limits);
        QVERIFY(!decoded);
        QCOMPARE(QString::fromStdString(decoded.error().message()),
                 QString("frame 1: 24 bytes, more than the limit of 16 bytes"));
    }
};

QTEST_APPLESS_MAIN(TestFrameCodec)

#include "tst_frame_codec.moc"
