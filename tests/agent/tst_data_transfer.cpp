// Delivering data files from the coordinator to an agent, in process: the coordinator's DataOffer
// (cluster/data_offer.h) answers the fetches of the agent's DataTransfers (agent/data_transfers.h)
// into its DataCache (agent/data_cache.h). Files of any size arrive whole under their hash, with
// never more than the window in flight; lost answers are asked for again and duplicates ignored;
// a file changed on the coordinator, an unknown hash, a short chunk or bytes damaged on the way
// fail the transfer with the reason and leave nothing in the cache; a damaged cached copy is not
// used.
#include "agent/data_cache.h"
#include "agent/data_transfers.h"
#include "cluster/data_offer.h"
#include "common/file_hash.h"
#include "pipeline/pipeline_parser.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

using namespace ts;
using Clock = agent::DataTransfers::Clock;

namespace {

constexpr size_t Chunk = agent::DataTransfers::ChunkBytes;

std::string randomBytes(size_t n, unsigned seed)
{
    std::mt19937 random(seed);
    std::string bytes(n, '\0');
    for (char& c : bytes)
        c = char(random());
    return bytes;
}

void writeFile(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return { std::istreambuf_iterator<char>(in), {} };
}

// A CSV pipeline whose training file is `path`: what the coordinator offers files of.
pipeline::PipelineSpec csvPipeline(const std::string& path)
{
    const std::string json = R"({ "trainstudio": 1, "name": "t", "stages": [
        { "source": { "format": "csv", "train": { "file": ")"
            + path + R"(" }, "labelColumn": "y", "split": { "test": 0.2 } } },
        { "train": { "model": { "type": "logistic_regression" },
                     "optimizer": { "type": "sgd" } } } ] })";
    auto spec = pipeline::parsePipeline(json, "t.json", "/");
    if (!spec)
        qFatal("%s", spec.error().message().c_str());
    return *spec;
}

// A transfer as the agent ends it: the file kept in the cache (its path), or why not.
struct Ended
{
    wire::DataFile file;
    std::string path;
    std::string error;
};

// What the coordinator offers of a CSV pipeline reading `path`, once it has hashed it.
std::vector<wire::DataFile> offerNow(cluster::DataOffer& offer, const std::string& path)
{
    const std::vector<cluster::SourceFile> sources = cluster::sourceFiles(csvPipeline(path));
    for (int attempt = 0; attempt < 2000; ++attempt) {
        if (auto files = offer.offer(sources))
            return *files;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return {};
}

// Fetches until every transfer ended or `rounds` turns passed, and keeps what arrived; `lose`
// drops an answer, `damage` changes its bytes.
std::vector<Ended> pump(agent::DataTransfers& transfers, agent::DataCache& cache,
                        cluster::DataOffer& offer, Clock::time_point now, int rounds = 1000,
                        const std::function<bool(const wire::FetchData&)>& lose = {},
                        const std::function<void(std::string&)>& damage = {},
                        size_t* mostInFlight = nullptr)
{
    std::vector<Ended> ended;
    for (int round = 0; round < rounds; ++round) {
        const std::vector<wire::FetchData> asked = transfers.requests(now);
        if (mostInFlight)
            *mostInFlight = std::max(*mostInFlight, asked.size());
        if (asked.empty())
            break;
        for (const wire::FetchData& fetch : asked) {
            if (lose && lose(fetch))
                continue;
            std::string bytes;
            const wire::DataChunk chunk = offer.serve(fetch, bytes);
            if (damage)
                damage(bytes);
            auto done = transfers.receive(chunk, bytes, now);
            if (!done)
                continue;
            Ended& end = ended.emplace_back(Ended { done->file, {}, done->error });
            if (!done->error.empty())
                continue;
            if (auto kept = cache.keep(done->file))
                end.path = *kept;
            else
                end.error = kept.error().message();
        }
    }
    return ended;
}

} // namespace

class TestDataTransfer final : public QObject
{
    Q_OBJECT

private slots:
    void sha256OfKnownContent()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("abc").toStdString();
        writeFile(path, "abc");
        QCOMPARE(*common::sha256OfFile(path),
                 std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        common::FileHashMemo memo;
        QCOMPARE(*memo.sha256(path), *common::sha256OfFile(path));
        writeFile(path, "abcd"); // another size: hashed again
        QCOMPARE(*memo.sha256(path), *common::sha256OfFile(path));
        QVERIFY(*memo.sha256(path)
                != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        QCOMPARE(common::sha256OfFile(dir.filePath("none").toStdString()).error().kind(),
                 common::ErrorKind::NotFound);
    }

    // The coordinator hashes off its thread: the first ask says "not yet", a later one offers;
    // a file changed since is hashed again; one it cannot read is left out.
    void offersOnceHashed()
    {
        QTemporaryDir dir;
        const std::string source = dir.filePath("train.csv").toStdString();
        writeFile(source, randomBytes(3 * Chunk, 1));
        cluster::DataOffer offer;
        const auto sources = cluster::sourceFiles(csvPipeline(source));
        QVERIFY(!offer.offer(sources)); // hashing
        const std::vector<wire::DataFile> first = offerNow(offer, source);
        QCOMPARE(first.size(), size_t(1));
        QCOMPARE(first[0].sha256(), *common::sha256OfFile(source));
        QVERIFY(offer.offer(sources)); // known now: at once
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        writeFile(source, randomBytes(3 * Chunk, 2));
        QVERIFY(!offer.offer(sources)); // changed: hashed again
        const std::vector<wire::DataFile> second = offerNow(offer, source);
        QCOMPARE(second.size(), size_t(1));
        QCOMPARE(second[0].sha256(), *common::sha256OfFile(source));
        QVERIFY(second[0].sha256() != first[0].sha256());
        std::filesystem::remove(source);
        const auto gone = offer.offer(sources);
        QVERIFY(gone && gone->empty()); // left out: the agents may have it
    }

    void fileArrivesWholeUnderItsHash_data()
    {
        QTest::addColumn<qulonglong>("size");
        QTest::newRow("one byte") << qulonglong(1);
        QTest::newRow("a byte short of a chunk") << qulonglong(Chunk - 1);
        QTest::newRow("exactly a chunk") << qulonglong(Chunk);
        QTest::newRow("a byte past a chunk") << qulonglong(Chunk + 1);
        QTest::newRow("more chunks than the window") << qulonglong(10 * Chunk + Chunk / 2);
    }
    void fileArrivesWholeUnderItsHash()
    {
        QFETCH(qulonglong, size);
        QTemporaryDir dir;
        const std::string source = dir.filePath("train.csv").toStdString();
        const std::string content = randomBytes(size, 7);
        writeFile(source, content);
        cluster::DataOffer offer;
        const std::vector<wire::DataFile> files = offerNow(offer, source);
        QCOMPARE(files.size(), size_t(1));
        QCOMPARE(files[0].field(), std::string("stages.source.train.file"));
        QCOMPARE(files[0].size(), uint64_t(size));
        QCOMPARE(files[0].sha256(), *common::sha256OfFile(source));

        auto cache = agent::DataCache::open(dir.filePath("cache").toStdString());
        QVERIFY(cache);
        QVERIFY((*cache)->find(files[0]).empty());
        agent::DataTransfers transfers(**cache);
        QVERIFY(transfers.want(files[0], Clock::now()).ok());
        size_t mostInFlight = 0;
        const auto ended =
                pump(transfers, **cache, offer, Clock::now(), 1000, {}, {}, &mostInFlight);
        QCOMPARE(ended.size(), size_t(1));
        QVERIFY2(ended[0].error.empty(), ended[0].error.c_str());
        QVERIFY(mostInFlight <= agent::DataTransfers::Window);
        QCOMPARE(ended[0].path, dir.filePath("cache").toStdString() + "/" + files[0].sha256());
        QVERIFY(readFile(ended[0].path) == content);
        QCOMPARE((*cache)->find(files[0]), ended[0].path); // the next job finds it
        QVERIFY(!transfers.receiving(files[0].sha256()));
    }

    void unansweredChunksAreAskedAgain()
    {
        QTemporaryDir dir;
        const std::string source = dir.filePath("train.csv").toStdString();
        const std::string content = randomBytes(3 * Chunk, 3);
        writeFile(source, content);
        cluster::DataOffer offer;
        const wire::DataFile file = offerNow(offer, source).at(0);
        auto cache = agent::DataCache::open(dir.filePath("cache").toStdString());
        agent::DataTransfers transfers(**cache);
        const auto start = Clock::now();
        QVERIFY(transfers.want(file, start).ok());
        // The first answer to the second chunk is lost (the coordinator restarted, say).
        bool lost = false;
        const auto loseOnce = [&](const wire::FetchData& fetch) {
            if (fetch.offset() != Chunk || lost)
                return false;
            return lost = true;
        };
        QVERIFY(pump(transfers, **cache, offer, start, 1, loseOnce).empty());
        QVERIFY(transfers.requests(start + std::chrono::seconds(1)).empty()); // not yet
        const auto later = start + agent::DataTransfers::RetryAfter;
        const auto again = transfers.requests(later);
        QCOMPARE(again.size(), size_t(1));
        QCOMPARE(again[0].offset(), uint64_t(Chunk));
        // Answered twice (the lost answer came late after all): the file is whole once.
        std::string bytes;
        const wire::DataChunk chunk = offer.serve(again[0], bytes);
        const auto done = transfers.receive(chunk, bytes, later);
        QVERIFY(done && done->error.empty());
        QVERIFY(!transfers.receive(chunk, bytes, later));
        auto kept = (*cache)->keep(done->file);
        QVERIFY(kept);
        QVERIFY(readFile(*kept) == content);
    }

    void failedTransfersSayWhyAndCacheNothing_data()
    {
        QTest::addColumn<QString>("fault");
        QTest::addColumn<QString>("expected");
        QTest::newRow("file changed on the coordinator")
                << "changed"
                << "changed on the coordinator after the job started";
        QTest::newRow("file removed on the coordinator")
                << "removed"
                << "went away on the coordinator after the job started";
        QTest::newRow("a hash the coordinator never offered")
                << "unknown"
                << "the coordinator offers no file with SHA-256";
        QTest::newRow("a chunk cut short") << "short"
                                           << "bytes at offset 0";
        QTest::newRow("bytes damaged on the way") << "damaged"
                                                  << "has SHA-256";
    }
    void failedTransfersSayWhyAndCacheNothing()
    {
        QFETCH(QString, fault);
        QFETCH(QString, expected);
        QTemporaryDir dir;
        const std::string source = dir.filePath("train.csv").toStdString();
        writeFile(source, randomBytes(2 * Chunk + 5, 11));
        cluster::DataOffer offer;
        wire::DataFile file = offerNow(offer, source).at(0);
        if (fault == "changed") {
            std::this_thread::sleep_for(std::chrono::milliseconds(10)); // a later time stamp
            writeFile(source, randomBytes(2 * Chunk + 5, 12));
        } else if (fault == "removed") {
            std::filesystem::remove(source);
        } else if (fault == "unknown") {
            file.set_sha256(std::string(64, 'a'));
        }
        std::function<void(std::string&)> damage;
        if (fault == "short")
            damage = [](std::string& bytes) { bytes.resize(bytes.size() / 2); };
        if (fault == "damaged")
            damage = [](std::string& bytes) {
                if (!bytes.empty())
                    bytes[bytes.size() / 2] ^= 1;
            };
        auto cache = agent::DataCache::open(dir.filePath("cache").toStdString());
        agent::DataTransfers transfers(**cache);
        QVERIFY(transfers.want(file, Clock::now()).ok());
        const auto ended = pump(transfers, **cache, offer, Clock::now(), 1000, {}, damage);
        QCOMPARE(ended.size(), size_t(1));
        QVERIFY(ended[0].path.empty());
        QVERIFY2(ended[0].error.find(expected.toStdString()) != std::string::npos,
                 ended[0].error.c_str());
        QVERIFY2(ended[0].error.rfind("stages.source.train.file: ", 0) == 0,
                 ended[0].error.c_str());
        QVERIFY(std::filesystem::is_empty(dir.filePath("cache").toStdString()));
        QVERIFY(transfers.requests(Clock::now()).empty()); // it asks for nothing more
    }

    void damagedCachedCopyIsNotUsed()
    {
        QTemporaryDir dir;
        const std::string source = dir.filePath("train.csv").toStdString();
        writeFile(source, randomBytes(Chunk + 3, 5));
        cluster::DataOffer offer;
        const wire::DataFile file = offerNow(offer, source).at(0);
        auto cache = agent::DataCache::open(dir.filePath("cache").toStdString());
        agent::DataTransfers transfers(**cache);
        QVERIFY(transfers.want(file, Clock::now()).ok());
        const auto ended = pump(transfers, **cache, offer, Clock::now());
        QCOMPARE(ended.size(), size_t(1));
        QVERIFY((*cache)->holds(source, file)); // the agent's own copy, if it had this one
        {                                       // a byte of the cached copy rots; same size
            std::fstream rot(ended[0].path, std::ios::in | std::ios::out | std::ios::binary);
            rot.seekp(100);
            rot.put('\x5a' ^ char(readFile(ended[0].path)[100]));
        }
        auto reopened = agent::DataCache::open(dir.filePath("cache").toStdString());
        QVERIFY((*reopened)->find(file).empty());
        QVERIFY(!std::filesystem::exists(ended[0].path)); // removed: it is fetched anew
    }

    void hashesFromTheNetworkNameNoPath()
    {
        QTemporaryDir dir;
        auto cache = agent::DataCache::open(dir.filePath("cache").toStdString());
        wire::DataFile file;
        file.set_field("stages.source.train.images");
        file.set_sha256("../../../../etc/passwd");
        file.set_size(10);
        QVERIFY((*cache)->find(file).empty());
        const common::Result begun = (*cache)->begin(file);
        QVERIFY(!begun);
        QVERIFY2(begun.error().message().find("is not a SHA-256") != std::string::npos,
                 begun.error().message().c_str());
    }

    void leftoversOfAnInterruptedTransferAreRemoved()
    {
        QTemporaryDir dir;
        const std::string folder = dir.filePath("cache").toStdString();
        std::filesystem::create_directories(folder);
        writeFile(folder + "/" + std::string(64, 'b') + ".part", "half");
        auto cache = agent::DataCache::open(folder);
        QVERIFY(cache);
        QVERIFY(std::filesystem::is_empty(folder));
    }
};

QTEST_GUILESS_MAIN(TestDataTransfer)
#include "tst_data_transfer.moc"
