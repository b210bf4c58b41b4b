// Checkpoints: a training state survives save and load bit for bit; damage of every kind (flipped
// bytes, truncation, a foreign file, a newer format, a payload that hashes right but is no archive)
// is refused with an error that says what is wrong; a failed save keeps the previous checkpoint.
#include "common/tensor_values.h"
#include "nn/checkpoint.h"
#include "nn/model_factory.h"
#include "nn/optimizer_factory.h"
#include "tensor/cpu/cpu_backend.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtEndian>
#include <QtTest/QTest>

#include <cmath>    // for std::sin
#include <unistd.h> // for geteuid

using namespace ts;
using common::ErrorKind;
using nn::CheckpointState;
using Floats = std::vector<float>;

namespace {

// The header layout that checkpoint.h documents; files written today must keep loading.
constexpr int kHeaderSize = 52;
constexpr int kVersionOffset = 8;
constexpr int kSizeOffset = 12;
constexpr int kHashOffset = 20;

Floats waves(size_t n, float phase)
{
    Floats v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = std::sin(0.7f * float(i) + phase);
    return v;
}

// `n` bytes that are no archive: the float bits of waves().
QByteArray garbage(int n, float phase)
{
    const Floats v = waves(size_t(n) / sizeof(float) + 1, phase);
    return QByteArray(reinterpret_cast<const char*>(v.data()), n);
}

QByteArray readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile::remove(path); // ext4 flushes a file truncated and rewritten when it is closed: slow
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(bytes), bytes.size());
}

// A header for `payload`, hashed with Qt's SHA-256 (an implementation independent of ours).
QByteArray withHeader(const QByteArray& payload, quint32 format = 1)
{
    QByteArray header(kHeaderSize, '\0');
    header.replace(0, 8, QByteArray("TSCKPT\x1a\n", 8)); // the magic
    qToLittleEndian<quint32>(format, header.data() + kVersionOffset);
    qToLittleEndian<quint64>(quint64(payload.size()), header.data() + kSizeOffset);
    const QByteArray hash = QCryptographicHash::hash(payload, QCryptographicHash::Sha256);
    header.replace(kHashOffset, hash.size(), hash);
    return header + payload;
}

QByteArray flipped(QByteArray bytes, int at)
{
    bytes[at] = static_cast<char>(bytes[at] ^ 0x10);
    return bytes;
}

std::unique_ptr<nn::Sequential> buildNet(tensor::Backend& backend, const QString& type,
                                         std::vector<int64_t> hidden, uint64_t seed)
{
    nn::ModelSpec spec;
    spec.hidden = std::move(hidden);
    if (type == "mlp")
        return nn::buildModel(spec, backend, int64_t { 6 }, 3, seed);
    spec.type = "cnn";
    spec.conv = { { .filters = 2, .kernel = 3, .stride = 1, .padding = 0 } };
    spec.pool = "none";
    spec.batchNorm = true;
    return nn::buildModel(spec, backend, std::vector<int64_t> { 5, 5, 1 }, 3, seed);
}

// One training step, so that batch-norm statistics and optimizer moments are not at their
// initial values.
void trainOneStep(tensor::Backend& backend, nn::Sequential& model, nn::Optimizer& optimizer,
                  const QString& type)
{
    const tensor::Shape inputShape =
            type == "cnn" ? tensor::Shape { 4, 5, 5, 1 } : tensor::Shape { 4, 6 };
    const auto input = tensor::Tensor::fromHost(
            backend, inputShape, waves(size_t(tensor::elementCount(inputShape)), 0.5f));
    const tensor::Tensor& output = model.forward(input);
    model.backward(tensor::Tensor::fromHost(backend, output.shape(), waves(output.size(), 1.5f)));
    optimizer.step();
}

} // namespace

class TstCheckpoint : public QObject
{
    Q_OBJECT

private slots:
    void roundTripRestoresTheWholeState_data();
    void roundTripRestoresTheWholeState();
    void damagedFilesAreRefused_data();
    void damagedFilesAreRefused();
    void noSingleByteChangeBehindAMatchingHashCrashes();
    void missingFileIsNotFound();
    void failedSaveKeepsThePreviousCheckpoint_data();
    void failedSaveKeepsThePreviousCheckpoint();
    void restoreIntoAnotherModelNamesTheMismatch_data();
    void restoreIntoAnotherModelNamesTheMismatch();

private:
    QByteArray validCheckpoint();

    tensor::CpuBackend m_cpu { 1 };
    QTemporaryDir m_dir;
};

QByteArray TstCheckpoint::validCheckpoint()
{
    CheckpointState state;
    state.modelSpec = R"({"type":"mlp","hidden":[5,4]})";
    state.parameters = nn::captureTensors(nn::parametersOf(*buildNet(m_cpu, "mlp", { 5, 4 }, 1)));
    const std::string path = m_dir.filePath("valid.ckpt").toStdString();
    const common::Result saved = nn::saveCheckpoint(path, state);
    if (!saved)
        qFatal("cannot write the reference checkpoint: %s", saved.error().message().c_str());
    return readFile(QString::fromStdString(path));
}

void TstCheckpoint::roundTripRestoresTheWholeState_data()
{
    QTest::addColumn<QString>("type");
    QTest::newRow("mlp, sgd with momentum") << "mlp";
    QTest::newRow("cnn with batch norm, adam") << "cnn";
}

void TstCheckpoint::roundTripRestoresTheWholeState()
{
    QFETCH(QString, type);
    nn::OptimizerSpec optimizerSpec;
    optimizerSpec.type = type == "cnn" ? "adam" : "sgd";
    optimizerSpec.momentum = 0.9f;
    auto model = buildNet(m_cpu, type, { 5, 4 }, 1);
    auto optimizer = nn::buildOptimizer(optimizerSpec, model->parameters());
    trainOneStep(m_cpu, *model, *optimizer, type);

    CheckpointState state;
    state.modelSpec = R"({"type":")" + type.toStdString() + R"(","hidden":[5,4]})";
    state.parameters = nn::captureTensors(nn::parametersOf(*model));
    state.buffers = nn::captureTensors(model->buffers());
    state.optimizerState = nn::captureTensors(optimizer->state());
    state.optimizerType = optimizerSpec.type;
    state.optimizerStep = optimizer->stepCount();
    state.globalStep = 9876543210;
    state.epoch = 3;
    state.batchInEpoch = 17;
    state.seed = 0xfeedfacecafebeef;
    state.counters = { { "dense1_dropout", 42 }, { "dense2_dropout", uint64_t(1) << 40 } };
    QVERIFY(state.buffers.empty() == (type == "mlp") && !state.optimizerState.empty());

    const std::string path = m_dir.filePath("roundtrip-" + type + ".ckpt").toStdString();
    const common::Result saved = nn::saveCheckpoint(path, state);
    QVERIFY2(saved.ok(), saved.ok() ? "" : saved.error().message().c_str());
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));
    auto loaded = nn::loadCheckpoint(path);
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message().c_str());

    // Another seed, fresh optimizer: nothing matches until the checkpoint is restored.
    auto resumed = buildNet(m_cpu, type, { 5, 4 }, 2);
    auto resumedOptimizer = nn::buildOptimizer(optimizerSpec, resumed->parameters());
    QVERIFY(test::valuesOf(nn::parametersOf(*resumed)) != test::valuesOf(nn::parametersOf(*model)));
    QVERIFY(nn::restoreTensors(loaded->parameters, nn::parametersOf(*resumed)).ok());
    QVERIFY(nn::restoreTensors(loaded->buffers, resumed->buffers()).ok());
    QVERIFY(nn::restoreTensors(loaded->optimizerState, resumedOptimizer->state()).ok());
    resumedOptimizer->setStepCount(loaded->optimizerStep);

    QVERIFY(test::valuesOf(nn::parametersOf(*resumed)) == test::valuesOf(nn::parametersOf(*model)));
    QVERIFY(test::valuesOf(resumed->buffers()) == test::valuesOf(model->buffers()));
    QVERIFY(test::valuesOf(resumedOptimizer->state()) == test::valuesOf(optimizer->state()));
    const auto rest = [](const CheckpointState& s) {
        return std::tie(s.modelSpec, s.optimizerType, s.optimizerStep, s.globalStep, s.epoch,
                        s.batchInEpoch, s.seed, s.counters);
    };
    QVERIFY(rest(*loaded) == rest(state));
}

void TstCheckpoint::damagedFilesAreRefused_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<ErrorKind>("kind");
    QTest::addColumn<QString>("message");
    const auto row = [](const char* name, const QByteArray& bytes, const QString& message,
                        ErrorKind kind = ErrorKind::Corrupt) {
        QTest::newRow(name) << bytes << kind << message;
    };

    const QByteArray good = validCheckpoint();
    const QByteArray payload = good.mid(kHeaderSize);
    QCOMPARE(withHeader(payload), good); // the documented layout, hashed by Qt's own SHA-256
    const QString declares =
            "header declares " + QString::number(payload.size()) + " payload bytes";
    row("a payload byte flipped", flipped(good, kHeaderSize + payload.size() / 2),
        "checksum mismatch: the file is corrupt");
    row("a hash byte flipped", flipped(good, kHashOffset + 7),
        "checksum mismatch: the file is corrupt");
    row("empty file", {}, "truncated: a checkpoint header has 52 bytes, file holds 0");
    row("cut inside the header", good.left(30),
        "truncated: a checkpoint header has 52 bytes, file holds 30");
    row("cut after the header", good.left(kHeaderSize),
        "truncated: " + declares + ", file holds 0");
    row("cut inside the payload", good.left(kHeaderSize + 100),
        "truncated: " + declares + ", file holds 100");
    row("one byte short", good.chopped(1),
        "truncated: " + declares + ", file holds " + QString::number(payload.size() - 1));
    row("a byte appended", good + 'x', "trailing data: " + declares);
    row("wrong magic", "PK\x03\x04" + good.mid(4), "not a TrainStudio checkpoint");
    row("newer format", withHeader(payload, 7),
        "checkpoint format 7 is newer than this TrainStudio supports (1)", ErrorKind::Unsupported);
    row("format 0", withHeader(payload, 0), "checkpoint format 0 does not exist");

    // A hash only proves the bytes are the ones that were hashed: Boost must still refuse these
    // without crashing or allocating what a damaged count asks for.
    row("garbage payload, matching hash", withHeader(garbage(4096, 0.1f)),
        "cannot decode the payload: not a Boost archive");
    row("empty payload, matching hash", withHeader({}),
        "cannot decode the payload: not a Boost archive");
    row("payload cut short, matching hash", withHeader(payload.left(payload.size() / 2)),
        "cannot decode the payload");
    // The model spec is the first field, right after its uint64 length; before that Boost writes
    // the struct's class version (uint32).
    const int specAt = payload.indexOf(R"({"type":"mlp","hidden":[5,4]})");
    QVERIFY(specAt >= 12);
    row("garbage fields after Boost's preamble, matching hash",
        withHeader(payload.left(specAt - 8) + garbage(payload.size() - specAt + 8, 0.2f)),
        "cannot decode the payload");
    QByteArray hugeCount = payload;
    qToLittleEndian<quint64>(quint64(1) << 40, hugeCount.data() + specAt - 8);
    row("a string claims 1 TiB, matching hash", withHeader(hugeCount),
        "cannot decode the payload: a count of 1099511627776 elements exceeds the payload");
    QByteArray newerStruct = payload;
    qToLittleEndian<quint32>(1, newerStruct.data() + specAt - 12);
    row("a newer CheckpointState version, matching hash", withHeader(newerStruct),
        "CheckpointState version 1 is newer than this TrainStudio supports (0)",
        ErrorKind::Unsupported);
}

void TstCheckpoint::damagedFilesAreRefused()
{
    QFETCH(QByteArray, bytes);
    QFETCH(ErrorKind, kind);
    QFETCH(QString, message);

    const QString path = m_dir.filePath("damaged.ckpt");
    writeFile(path, bytes);
    const auto loaded = nn::loadCheckpoint(path.toStdString());
    QVERIFY(!loaded.ok());
    const QString actual = QString::fromStdString(loaded.error().message());
    QVERIFY2(actual.startsWith(path + ": ") && actual.contains(message), qPrintable(actual));
    QCOMPARE(loaded.error().kind(), kind);
}

void TstCheckpoint::noSingleByteChangeBehindAMatchingHashCrashes()
{
    // Some changes still decode (a different float, a shorter name); the rest must be refused as
    // damaged or newer, never crash or throw.
    const QByteArray payload = validCheckpoint().mid(kHeaderSize);
    const QString path = m_dir.filePath("mutated.ckpt");
    for (int at = 0; at < payload.size(); ++at) {
        for (const char value : { '\x00', '\x7f', '\xff' }) {
            writeFile(path, withHeader(QByteArray(payload).replace(at, 1, &value, 1)));
            const auto loaded = nn::loadCheckpoint(path.toStdString());
            const ErrorKind kind = loaded ? ErrorKind::Corrupt : loaded.error().kind();
            QVERIFY2(kind == ErrorKind::Corrupt || kind == ErrorKind::Unsupported,
                     loaded ? "" : loaded.error().message().c_str());
        }
    }
}

void TstCheckpoint::missingFileIsNotFound()
{
    const auto loaded = nn::loadCheckpoint(m_dir.filePath("nothing-here.ckpt").toStdString());
    QCOMPARE(loaded ? ErrorKind::Internal : loaded.error().kind(), ErrorKind::NotFound);
}

void TstCheckpoint::failedSaveKeepsThePreviousCheckpoint_data()
{
    QTest::addColumn<QString>("obstacle");
    QTest::newRow("the path is a folder") << "folder";
    QTest::newRow("the temporary path is a folder") << "tmp-folder";
    QTest::newRow("the folder is read-only") << "read-only";
}

void TstCheckpoint::failedSaveKeepsThePreviousCheckpoint()
{
    QFETCH(QString, obstacle);
    if (obstacle == "read-only" && ::geteuid() == 0)
        QSKIP("root writes into read-only folders");

    QTemporaryDir dir;
    const QString path = dir.filePath("model.ckpt");
    const QString temporary = path + ".tmp";
    const QByteArray before = validCheckpoint();
    if (obstacle == "folder") {
        QVERIFY(QDir().mkdir(path));
        writeFile(path + "/keep", "kept");
    } else {
        writeFile(path, before);
    }
    if (obstacle == "tmp-folder")
        QVERIFY(QDir().mkdir(temporary));
    if (obstacle == "read-only")
        QVERIFY(QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::ExeOwner));

    const common::Result saved = nn::saveCheckpoint(path.toStdString(), CheckpointState {});
    QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);

    QVERIFY(!saved.ok());
    QCOMPARE(saved.error().kind(), ErrorKind::Io);
    QVERIFY2(saved.error().message().find(path.toStdString()) != std::string::npos,
             saved.error().message().c_str());
    if (obstacle == "folder")
        QCOMPARE(readFile(path + "/keep"), QByteArray("kept"));
    else
        QCOMPARE(readFile(path), before);
    if (obstacle != "tmp-folder")
        QVERIFY(!QFile::exists(temporary));
}

void TstCheckpoint::restoreIntoAnotherModelNamesTheMismatch_data()
{
    // The checkpoint always comes from an MLP with hidden layers [5, 4]; `edit` removes ("-name")
    // or adds ("+name") one of its tensors before the restore.
    QTest::addColumn<std::vector<int64_t>>("hidden");
    QTest::addColumn<QString>("edit");
    QTest::addColumn<QString>("message");

    using Widths = std::vector<int64_t>;
    QTest::newRow("a wider layer")
            << Widths { 5, 7 } << ""
            << "'dense2.weight' has shape [5x4] in the checkpoint but [5x7] in the model";
    QTest::newRow("one hidden layer less")
            << Widths { 5 } << ""
            << "'head.weight' has shape [4x3] in the checkpoint but [5x3] in the model";
    QTest::newRow("one hidden layer more") << Widths { 5, 4, 2 } << ""
                                           << "checkpoint has no tensor 'dense3.weight'";
    QTest::newRow("the checkpoint lacks a bias") << Widths { 5, 4 } << "-dense2.bias"
                                                 << "checkpoint has no tensor 'dense2.bias'";
    QTest::newRow("the checkpoint has an extra tensor")
            << Widths { 5, 4 } << "+dense9.weight"
            << "checkpoint tensor 'dense9.weight' has no counterpart in the model";
}

void TstCheckpoint::restoreIntoAnotherModelNamesTheMismatch()
{
    QFETCH(std::vector<int64_t>, hidden);
    QFETCH(QString, edit);
    QFETCH(QString, message);

    auto saved = nn::captureTensors(nn::parametersOf(*buildNet(m_cpu, "mlp", { 5, 4 }, 1)));
    const std::string name = edit.mid(1).toStdString();
    if (edit.startsWith('-'))
        std::erase_if(saved, [&](const nn::NamedTensor& t) { return t.name == name; });
    if (edit.startsWith('+'))
        saved.push_back({ name, { 1 }, { 0.5f } });

    auto model = buildNet(m_cpu, "mlp", hidden, 2);
    const auto before = test::valuesOf(nn::parametersOf(*model));
    const common::Result restored = nn::restoreTensors(saved, nn::parametersOf(*model));
    QVERIFY(!restored.ok());
    QCOMPARE(restored.error().kind(), ErrorKind::InvalidInput);
    QCOMPARE(QString::fromStdString(restored.error().message()), message);
    QVERIFY(test::valuesOf(nn::parametersOf(*model)) == before); // nothing half-restored
}

QTEST_APPLESS_MAIN(TstCheckpoint)
#include "tst_checkpoint.moc"
