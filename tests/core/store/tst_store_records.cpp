// Tests of the store's records of distributed runs (events, workers, staleness) and of the
// read-only store the studio reads with while a run writes.
#include "store/experiment_store.h"
#include "store/schema_migrations.h" // to write a store of an older version
#include "store/sqlite_handles.h"    // to hold a read transaction open behind the store's back
#include "store_test_support.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cmath>
#include <limits>

using namespace ts;
using store::ExperimentStore;
using store::MetricPoint;
using test::openRaw;
using test::openStore;
using test::point;
using test::readAll;

Q_DECLARE_METATYPE(ts::common::ErrorKind)

namespace {

constexpr double Nan = std::numeric_limits<double>::quiet_NaN();

} // namespace

class TestStoreRecords final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_store = openStore(m_dir.filePath("records.sqlite").toStdString());
        QVERIFY(m_store);
        m_run = *m_store->createRun({ "mnist", "records", "{}", "cpu", {} });
        // "loss" of workers 0, 1, 2 at steps 0..9, for the read-only store to read.
        std::vector<MetricPoint> points;
        for (int worker = 0; worker < 3; ++worker) {
            for (int64_t step = 0; step < 10; ++step)
                points.push_back(point(m_run, "loss", worker, step, double(step + 10 * worker)));
        }
        QVERIFY(m_store->appendMetrics(points).ok());
    }

    void eventsAfterId()
    {
        const int64_t other = *m_store->createRun({ "mnist", "events", "{}", "cpu", {} });
        auto started = m_store->addEvent({ 0, m_run, 10.0, "started", -1, "4 workers" });
        QVERIFY(started.ok());
        QVERIFY(m_store->addEvent({ 0, other, 11.0, "started", -1, "" }).ok());
        auto lost = m_store->addEvent({ 0, m_run, 12.0, "worker_lost", 2, "worker 2 lost" });
        auto resumed = m_store->addEvent({ 0, m_run, 13.0, "resumed", -1, "from step 400" });
        QVERIFY(lost.ok() && resumed.ok());
        QVERIFY(*started < *lost && *lost < *resumed);

        auto all = m_store->events(m_run);
        QVERIFY(all.ok());
        QCOMPARE(all->size(), size_t(3));
        const auto& event = (*all)[1];
        QCOMPARE(event.id, *lost);
        QCOMPARE(event.run, m_run);
        QCOMPARE(event.time, 12.0);
        QCOMPARE(event.kind, std::string("worker_lost"));
        QCOMPARE(event.worker, 2);
        QCOMPARE(event.message, std::string("worker 2 lost"));
        QCOMPARE((*all)[0].worker, -1); // the whole run
        // A timeline polls with the last id it saw.
        auto newer = m_store->events(m_run, *lost);
        QVERIFY(newer.ok());
        QCOMPARE(newer->size(), size_t(1));
        QCOMPARE(newer->front().kind, std::string("resumed"));
        QVERIFY(m_store->events(m_run, *resumed)->empty());

        auto orphan = m_store->addEvent({ 0, 9999, 1.0, "started", -1, "" });
        QVERIFY(!orphan);
        QCOMPARE(orphan.error().kind(), common::ErrorKind::InvalidInput);
        QVERIFY2(orphan.error().message().find("run 9999") != std::string::npos,
                 orphan.error().message().c_str());
    }

    void registerWorkerReplacesTheRank()
    {
        QVERIFY(m_store->registerWorker(m_run, { 1, "gpu-box", "cuda:0", "gpu-box.lab" }).ok());
        QVERIFY(m_store->registerWorker(m_run, { 0, "", "cpu", "laptop" }).ok());
        QVERIFY(m_store->registerWorker(m_run, { 1, "spare", "cuda:1", "spare.lab" }).ok());
        auto workers = m_store->workers(m_run);
        QVERIFY(workers.ok());
        QCOMPARE(workers->size(), size_t(2));
        QCOMPARE((*workers)[0].rank, 0);
        QCOMPARE((*workers)[0].host, std::string("laptop"));
        QCOMPARE((*workers)[1].rank, 1);
        QCOMPARE((*workers)[1].agent, std::string("spare"));
        QCOMPARE((*workers)[1].device, std::string("cuda:1"));
    }

    void stalenessAccumulates()
    {
        const int64_t run = *m_store->createRun({ "mnist", "ps", "{}", "cpu", {} });
        QVERIFY(m_store->recordStaleness(run, 0, std::vector<int64_t> { 0, 3, 0, 1 }).ok());
        QVERIFY(m_store->recordStaleness(run, 0, std::vector<int64_t> { 1 }).ok());
        QVERIFY(m_store->recordStaleness(run, 2, std::vector<int64_t> { 0 }).ok());
        QVERIFY(m_store->recordStaleness(run, 2, {}).ok());
        auto refused = m_store->recordStaleness(run, 2, std::vector<int64_t> { 0, -1 });
        QVERIFY(!refused.ok()); // and none of its values counts
        QCOMPARE(refused.error().kind(), common::ErrorKind::InvalidInput);
        auto histogram = m_store->stalenessHistogram(run);
        QVERIFY(histogram.ok());
        QCOMPARE(histogram->counts,
                 (std::map<int, std::vector<int64_t>> { { 0, { 2, 2, 0, 1 } }, { 2, { 1 } } }));
    }

    void readOnlyStoreReadsAndRefusesWrites()
    {
        auto reader = ExperimentStore::openReadOnly(m_store->path());
        QVERIFY2(reader.ok(), reader ? "" : reader.error().message().c_str());
        QCOMPARE((*reader)->schemaVersion(), ExperimentStore::SchemaVersion);
        auto series = (*reader)->series({ m_run, "loss", { 2 }, 0, 4, 0 });
        QVERIFY(series.ok());
        QCOMPARE(series->front().points.size(), size_t(5));
        QVERIFY((*reader)->findRuns({}).ok());

        auto created = (*reader)->createRun({ "mnist", "nope", "{}", "cpu", {} });
        QVERIFY(!created);
        QVERIFY2(created.error().message().find("readonly database") != std::string::npos,
                 created.error().message().c_str());
        QVERIFY(!(*reader)->appendMetrics(std::vector { point(m_run, "loss", 0, 99, 1) }).ok());
        QVERIFY(!(*reader)->addEvent({ 0, m_run, 1.0, "started", -1, "" }).ok());
    }

    void readOnlyRefusesWhatItCannotRead_data()
    {
        QTest::addColumn<QString>("setup"); // SQL run on the file first; "" leaves no file
        QTest::addColumn<int>("version");   // the older schema to write, 0 for none
        QTest::addColumn<common::ErrorKind>("kind");
        QTest::addColumn<QString>("message"); // after "<path>: "; {current}: SchemaVersion
        QTest::newRow("an older schema, left as it is")
                << "PRAGMA user_version = 4;" << 4 << common::ErrorKind::Unsupported
                << "store schema version 4 is older than this TrainStudio reads ({current}); open "
                   "it "
                   "once with trainstudio-cli to upgrade";
        QTest::newRow("a newer schema") << "PRAGMA user_version = 99; CREATE TABLE future (x);" << 0
                                        << common::ErrorKind::Unsupported
                                        << "store schema version 99 is newer than this TrainStudio "
                                           "supports ({current}); use a "
                                           "newer TrainStudio";
        QTest::newRow("another program's database")
                << "CREATE TABLE contacts (name TEXT);" << 0 << common::ErrorKind::Corrupt
                << "not a TrainStudio store (it has no schema version); choose another store file";
        QTest::newRow("no file") << "" << 0 << common::ErrorKind::NotFound
                                 << "no such store file; check the path, or run a training to "
                                    "create it";
    }
    void readOnlyRefusesWhatItCannotRead()
    {
        QFETCH(QString, setup);
        QFETCH(int, version);
        QFETCH(common::ErrorKind, kind);
        QFETCH(QString, message);
        const QString path =
                m_dir.filePath(QString("refused-%1.sqlite").arg(QTest::currentDataTag()));
        if (!setup.isEmpty()) {
            auto db = openRaw(path.toStdString());
            for (int step = 0; step < version; ++step)
                QCOMPARE(sqlite3_exec(db.get(), store::migrationSteps()[size_t(step)], nullptr,
                                      nullptr, nullptr),
                         SQLITE_OK);
            QCOMPARE(sqlite3_exec(db.get(), qPrintable(setup), nullptr, nullptr, nullptr),
                     SQLITE_OK);
        }
        const QByteArray before = readAll(path);

        auto store = ExperimentStore::openReadOnly(path.toStdString());
        QVERIFY(!store);
        QCOMPARE(store.error().kind(), kind);
        message.replace("{current}", QString::number(ExperimentStore::SchemaVersion));
        QCOMPARE(QString::fromStdString(store.error().message()), path + ": " + message);
        QCOMPARE(readAll(path), before); // never upgraded, never created
        QCOMPARE(QFile::exists(path), !setup.isEmpty());
    }

    // WAL: a reader's open snapshot does not hold up the writer's commit (it would wait out the
    // 5 s busy timeout and fail in a rollback journal), and the reader keeps its snapshot.
    void readerDoesNotBlockWriter()
    {
        const std::string path = m_dir.filePath("wal.sqlite").toStdString();
        auto writer = openStore(path);
        QVERIFY(writer);
        const int64_t run = *writer->createRun({ "mnist", "live", "{}", "cpu", {} });
        QVERIFY(writer->appendMetrics(std::vector { point(run, "loss", 0, 0, 1) }).ok());

        auto reader = openRaw(path);
        QCOMPARE(sqlite3_exec(reader.get(), "BEGIN", nullptr, nullptr, nullptr), SQLITE_OK);
        auto count = store::Statement::prepare(reader.get(), path, "SELECT count(*) FROM metrics");
        QVERIFY(count.ok());
        QVERIFY(count->step().value());
        QCOMPARE(count->int64At(0), int64_t(1));
        count->reset();

        QVERIFY(writer->appendMetrics(std::vector { point(run, "loss", 0, 1, 2) }).ok());
        QVERIFY(count->step().value());
        QCOMPARE(count->int64At(0), int64_t(1)); // still the reader's snapshot
        count->reset();
        QCOMPARE(sqlite3_exec(reader.get(), "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);

        // And the read-only store sees the commit while another connection holds the write lock.
        auto busy = openRaw(path);
        QCOMPARE(sqlite3_exec(busy.get(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
        auto studio = ExperimentStore::openReadOnly(path);
        QVERIFY(studio.ok());
        auto series = (*studio)->series({ run, "loss", {}, 0, 10, 0 });
        QVERIFY2(series.ok(), series ? "" : series.error().message().c_str());
        QCOMPARE(series->front().points.size(), size_t(2));
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<ExperimentStore> m_store;
    int64_t m_run = 0;
};

QTEST_APPLESS_MAIN(TestStoreRecords)

#include "tst_store_records.moc"
