// Data delivered to an agent that cannot read it, end to end: a coordinator and a real agent
// process whose data roots hold nothing run Fashion-MNIST jobs. The first job's rank waits while
// the agent receives the four IDX files from the coordinator, checked against their SHA-256 and
// cached under it, and trains on all 60,000 rows; the next job starts from the cache without a
// transfer; a cached copy damaged on disk is noticed, fetched anew, and the job still trains.
#include "common/file_hash.h"
#include "integration_support.h"
#include "store/experiment_store.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <filesystem>
#include <fstream>

using namespace ts;

namespace {

const QString Data = QStringLiteral("/usr/share/datasets/fashion-mnist");
const char* const Files[] = { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" };

// The quick-start pipeline, smaller: one epoch of a narrow MLP on the CPU.
std::string pipeline()
{
    QFile file(TS_SOURCE_DIR "/resources/pipelines/quickstart.json");
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll())
            .replace("[256, 128]", "[32]")
            .replace("\"device\": \"auto\"", "\"device\": \"cpu\"")
            .toStdString();
}

// How many lines of job `id`'s log contain `text`.
int linesWith(const std::string& storePath, int64_t id, const std::string& text)
{
    auto store = store::ExperimentStore::openReadOnly(storePath);
    if (!store)
        return -1;
    auto lines = (*store)->jobLogs(id);
    if (!lines)
        return -1;
    int n = 0;
    for (const store::JobLogLine& line : *lines)
        n += line.text.find(text) != std::string::npos;
    return n;
}

std::string logOf(const std::string& storePath, int64_t id)
{
    std::string text;
    if (auto store = store::ExperimentStore::openReadOnly(storePath))
        if (auto lines = (*store)->jobLogs(id))
            for (const store::JobLogLine& line : *lines)
                text += line.text + "\n";
    return text;
}

} // namespace

class TestDataDelivery final : public QObject
{
    Q_OBJECT

private slots:
    void agentWithoutTheDataReceivesItOnceAndCachesIt()
    {
        if (!QFile::exists(Data + "/" + Files[0]))
            QSKIP("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
        QTemporaryDir dir;
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        QVERIFY(QDir().mkpath(dir.filePath("no-data"))); // the agent's only data root: empty
        auto cluster = test::startSingleAgentCluster(
                dir, storePath, { "--id", "far-away", "--data-root", dir.filePath("no-data") });
        QVERIFY(cluster);
        const auto runJob = [&](const std::string& name) -> int64_t {
            auto store = store::ExperimentStore::open(storePath);
            if (!store)
                return 0;
            auto id = (*store)->submitJob(
                    { "delivery", name, pipeline(), TS_SOURCE_DIR "/resources/pipelines", 0, 0 });
            store->reset(); // closed: the coordinator writes it
            if (!id)
                return 0;
            const store::JobRecord ended = test::waitForEnd(storePath, *id, 180000);
            if (ended.state != store::JobState::Finished) {
                qWarning("job %s: %s\n%s", name.c_str(), ended.message.c_str(),
                         logOf(storePath, *id).c_str());
                return 0;
            }
            return *id;
        };

        // First job: every file travels, is checked, cached under its hash, and trained on.
        const int64_t first = runJob("first");
        QVERIFY(first > 0);
        QCOMPARE(linesWith(storePath, first,
                           "is outside this agent's data roots; receiving it from the coordinator"),
                 4);
        QCOMPARE(linesWith(storePath, first, "checked and cached"), 4);
        const std::string cache = dir.filePath("work/data-cache").toStdString();
        std::string trainLabelsCopy;
        for (const char* name : Files) {
            const std::string original = (Data + "/" + name).toStdString();
            const std::string copy = cache + "/" + *common::sha256OfFile(original);
            QVERIFY2(std::filesystem::exists(copy), copy.c_str());
            QCOMPARE(std::filesystem::file_size(copy), std::filesystem::file_size(original));
            if (std::string(name) == "train-labels-idx1-ubyte.gz")
                trainLabelsCopy = copy;
        }
        {
            auto store = store::ExperimentStore::openReadOnly(storePath);
            auto job = (*store)->job(first);
            auto run = (*store)->runDetails(job->run);
            QVERIFY(run);
            bool sawRows = false;
            for (const auto& [key, value] : run->params)
                if (key == "data.trainRows") {
                    QCOMPARE(value, std::string("60000"));
                    sawRows = true;
                }
            QVERIFY(sawRows);
        }

        // Second job: straight from the cache.
        const int64_t second = runJob("second");
        QVERIFY(second > 0);
        QCOMPARE(linesWith(storePath, second, "using the copy cached from the coordinator"), 4);
        QCOMPARE(linesWith(storePath, second, "receiving it from the coordinator"), 0);

        // A cached copy damaged on disk (same size) is not trained on: it travels again.
        {
            std::fstream rot(trainLabelsCopy, std::ios::in | std::ios::out | std::ios::binary);
            rot.seekg(1000);
            const char byte = char(rot.get());
            rot.seekp(1000);
            rot.put(char(byte ^ 0x20));
        }
        const int64_t third = runJob("third");
        QVERIFY(third > 0);
        QCOMPARE(linesWith(storePath, third, "using the copy cached from the coordinator"), 3);
        QCOMPARE(linesWith(storePath, third,
                           "stages.source.train.labels: /usr/share/datasets/"
                           "fashion-mnist/train-labels-idx1-ubyte.gz is outside "
                           "this agent's data roots; receiving it"),
                 1);
        QCOMPARE(*common::sha256OfFile(trainLabelsCopy),
                 *common::sha256OfFile((Data + "/train-labels-idx1-ubyte.gz").toStdString()));
    }
};

QTEST_GUILESS_MAIN(TestDataDelivery)
#include "tst_data_delivery.moc"
