// Tests of the SQLite experiment store: migrations, refusals that leave files untouched, the run
// life cycle, idempotent metric replays and reopening.
#include "store/experiment_store.h"
#include "store/schema_migrations.h" // to write a store of an older version
#include "store/sqlite_handles.h"    // to build and inspect files behind the store's back

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cmath>

using namespace ts;
using store::ExperimentStore;
using store::MetricPoint;
using store::RunStatus;

Q_DECLARE_METATYPE(ts::store::RunStatus)

namespace {

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

void writeAll(const QString& path, const QByteArray& bytes)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(bytes), bytes.size());
}

// Runs `sql` on `path` with plain SQLite, outside the store.
void execRaw(const std::string& path, const char* sql)
{
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                   nullptr);
    store::SqlitePtr db(raw);
    QCOMPARE(rc, SQLITE_OK);
    QCOMPARE(sqlite3_exec(db.get(), sql, nullptr, nullptr, nullptr), SQLITE_OK);
}

// The first column of every row `sql` returns on `path`, read with plain SQLite.
QStringList queryRaw(const std::string& path, const char* sql)
{
    sqlite3* raw = nullptr;
    sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    store::SqlitePtr db(raw);
    auto query = store::Statement::prepare(db.get(), path, sql);
    QStringList values;
    while (query && query->step().value())
        values << QString::fromStdString(query->textAt(0));
    return values;
}

std::unique_ptr<ExperimentStore> openStore(const std::string& path)
{
    auto store = ExperimentStore::open(path);
    if (!store)
        qWarning("%s", store.error().message().c_str());
    return store ? std::move(store).value() : nullptr;
}

int64_t createRun(ExperimentStore& store, const std::string& name,
                  const std::string& experiment = "mnist")
{
    auto run = store.createRun({ experiment, name, "{\"stages\":[]}", "cpu", { { "lr", "0.1" } } });
    return run ? *run : -1;
}

MetricPoint point(int64_t run, const std::string& name, int64_t step, double value, int worker = 0)
{
    return { run, name, worker, step, value, 1700000000.0 + double(step) };
}

} // namespace

class TestExperimentStore final : public QObject
{
    Q_OBJECT

private slots:
    void init() { QVERIFY(m_dir.isValid()); }

    void opensAndMigrates_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<bool>("createEmptyFile");
        QTest::newRow("fresh path in new folders") << "a/b/store.sqlite" << false;
        QTest::newRow("empty (0-byte) file") << "empty.sqlite" << true;
    }
    void opensAndMigrates()
    {
        QFETCH(QString, file);
        QFETCH(bool, createEmptyFile);
        const QString path = m_dir.filePath(file);
        if (createEmptyFile)
            writeAll(path, {});
        {
            auto store = openStore(path.toStdString());
            QVERIFY(store);
            QCOMPARE(store->schemaVersion(), ExperimentStore::SchemaVersion);
            QCOMPARE(store->path(), path.toStdString());
        }
        const std::string storeFile = path.toStdString();
        QCOMPARE(queryRaw(storeFile,
                          "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
                 QStringList({ "agents", "artifacts", "confusion_matrices", "deployments",
                               "drift_reports", "events", "experiments", "feature_stats",
                               "fitted_preps", "job_logs", "job_ranks", "jobs", "label_counts",
                               "metrics", "params", "runs", "staleness", "workers" }));
        QCOMPARE(queryRaw(storeFile, "PRAGMA user_version"),
                 QStringList { QString::number(ExperimentStore::SchemaVersion) });
        // WAL persists in the file: the studio reads while a run writes.
        QCOMPARE(queryRaw(storeFile, "PRAGMA journal_mode"), QStringList { "wal" });
    }

    void upgradesKeepingRuns_data()
    {
        QTest::addColumn<int>("version");
        QTest::newRow("v1 -> current") << 1; // as the first release wrote it
        QTest::newRow("v2 -> current") << 2; // confusion matrices, no data statistics
        QTest::newRow("v3 -> current") << 3; // data statistics, no fitted preprocessing
        QTest::newRow("v4 -> current") << 4; // fitted preprocessing, no distributed records
        QTest::newRow("v5 -> current") << 5; // distributed records, no job queue
    }
    void upgradesKeepingRuns()
    {
        // A store of an older schema version with one run.
        QFETCH(int, version);
        const std::string path = m_dir.filePath(QString("v%1.sqlite").arg(version)).toStdString();
        for (int step = 0; step < version; ++step)
            execRaw(path, store::migrationSteps()[size_t(step)]);
        const std::string setVersion = "PRAGMA user_version = " + std::to_string(version) + ";";
        execRaw(path,
                ("INSERT INTO experiments VALUES (1, 'mnist', 1.0);"
                 "INSERT INTO runs (id, experiment_id, name, status, created_at) "
                 "VALUES (1, 1, 'old', 'finished', 2.0);"
                 + setVersion)
                        .c_str());
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), ExperimentStore::SchemaVersion);
        // Old runs have no data statistics; the tables exist and accept new ones.
        auto stats = store->datasetStats(1, "train");
        QVERIFY(!stats);
        QCOMPARE(stats.error().kind(), common::ErrorKind::NotFound);
        QVERIFY(store->saveDatasetStats(1, "train", data::DatasetStats { 3, {}, { 1, 2 } }).ok());
        auto runs = store->listRuns();
        QVERIFY(runs.ok());
        QCOMPARE(runs->size(), size_t(1));
        QCOMPARE(runs->front().name, std::string("old"));
        auto matrix = store->latestConfusionMatrix(1);
        QVERIFY(matrix.ok());
        QCOMPARE(matrix->classes, int64_t(0)); // the new table exists, empty for old runs
        // Runs stored before v5 trained in one process.
        QCOMPARE(queryRaw(path, "SELECT strategy FROM runs"), QStringList { "single" });
        QVERIFY(store->registerWorker(1, { 0, "", "cpu", "localhost" }).ok());
        QCOMPARE(store->workers(1)->size(), size_t(1));
        // The job queue of v6 exists, empty, and takes jobs.
        QCOMPARE(store->jobs()->size(), size_t(0));
        QVERIFY(store->submitJob({ "mnist", "new", "{}", "/", 0, 0 }).ok());
    }

    void confusionMatrixRoundTrip()
    {
        auto store = openStore(m_dir.filePath("confusion.sqlite").toStdString());
        QVERIFY(store);
        const int64_t run = createRun(*store, "cm");
        // Two evaluations; the latest (step 20) is the one returned, a re-save replaces it.
        const std::vector<int64_t> early { 5, 1, 2, 4 }, late { 6, 0, 1, 5 }, again { 7, 0, 0, 6 };
        QVERIFY(store->saveConfusionMatrix(run, 10, 2, early).ok());
        QVERIFY(store->saveConfusionMatrix(run, 20, 2, late).ok());
        QVERIFY(store->saveConfusionMatrix(run, 20, 2, again).ok());
        auto matrix = store->latestConfusionMatrix(run);
        QVERIFY(matrix.ok());
        QCOMPARE(matrix->step, int64_t(20));
        QCOMPARE(matrix->classes, int64_t(2));
        QCOMPARE(matrix->counts, again);
        QVERIFY(!store->saveConfusionMatrix(run, 30, 3, late).ok()); // 4 cells for 3 classes
    }

    void datasetStatsRoundTrip()
    {
        auto store = openStore(m_dir.filePath("stats.sqlite").toStdString());
        QVERIFY(store);
        const int64_t run = createRun(*store, "stats");
        const double nan = std::nan("");
        data::DatasetStats train {
            4,
            { { "x0", 3, 1, 2.0, 0.5, 1.0, 3.0, std::vector<double>(9, 2.0),
                std::vector<double> { 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0 },
                std::vector<int64_t> { 1, 0, 0, 0, 0, 1, 0, 0, 0, 1 } },
              { "empty", 0, 4, nan, nan, nan, nan, {}, {}, {} } },
            { 3, 0, 1 }
        };
        QVERIFY(store->saveDatasetStats(run, "test", data::DatasetStats { 1, {}, { 1 } }).ok());
        QVERIFY(store->saveDatasetStats(run, "train", data::DatasetStats { 9, {}, { 9 } }).ok());
        QVERIFY(store->saveDatasetStats(run, "train", train).ok()); // replaces the first
        auto read = store->datasetStats(run, "train");
        QVERIFY2(read.ok(), read ? "" : read.error().message().c_str());
        QCOMPARE(read->rows, int64_t(4));
        QCOMPARE(read->labelCounts, train.labelCounts);
        QCOMPARE(read->features.size(), size_t(2));
        const auto& x0 = read->features[0];
        QCOMPARE(x0.name, std::string("x0"));
        QCOMPARE(x0.count, int64_t(3));
        QCOMPARE(x0.missing, int64_t(1));
        QCOMPARE(x0.mean, 2.0);
        QCOMPARE(x0.stddev, 0.5);
        QCOMPARE(x0.quantiles, train.features[0].quantiles);
        QCOMPARE(x0.binEdges, train.features[0].binEdges);
        QCOMPARE(x0.binCounts, train.features[0].binCounts);
        const auto& empty = read->features[1];
        QCOMPARE(empty.name, std::string("empty"));
        QVERIFY(std::isnan(empty.mean) && std::isnan(empty.max));
        QCOMPARE(store->datasetStats(run, "test")->labelCounts, std::vector<int64_t> { 1 });
        QVERIFY(!store->saveDatasetStats(run, "valid", train).ok()); // train or test only
        QCOMPARE(store->datasetStats(run + 1, "train").error().kind(), common::ErrorKind::NotFound);
    }

    void refusesNewerSchema()
    {
        const std::string path = m_dir.filePath("future.sqlite").toStdString();
        execRaw(path, "PRAGMA user_version = 99; CREATE TABLE future (x);");
        const QByteArray before = readAll(QString::fromStdString(path));
        QVERIFY(!before.isEmpty());

        auto store = ExperimentStore::open(path);
        QVERIFY(!store);
        QCOMPARE(store.error().kind(), common::ErrorKind::Unsupported);
        QCOMPARE(store.error().message(),
                 path + ": store schema version 99 is newer than this TrainStudio supports ("
                         + std::to_string(ExperimentStore::SchemaVersion)
                         + "); use a newer TrainStudio");
        QCOMPARE(readAll(QString::fromStdString(path)), before);
    }

    void refusesForeignFiles_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("text file")
                << QByteArray("name,value\n").repeated(100) << "file is not a database";
        QTest::newRow("gzip header")
                << QByteArray("\x1f\x8b\x08\x00", 4).repeated(200) << "file is not a database";
    }
    void refusesForeignFiles()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, messagePart);
        const QString path = m_dir.filePath("foreign.sqlite");
        writeAll(path, content);

        auto store = ExperimentStore::open(path.toStdString());
        QVERIFY(!store);
        QCOMPARE(store.error().kind(), common::ErrorKind::Corrupt);
        const QString message = QString::fromStdString(store.error().message());
        QVERIFY2(message.startsWith(path + ": "), qPrintable(message));
        QVERIFY2(message.contains(messagePart), qPrintable(message));
        QCOMPARE(readAll(path), content);
    }

    void refusesOtherProgramsDatabase()
    {
        const std::string path = m_dir.filePath("other.sqlite").toStdString();
        execRaw(path, "CREATE TABLE contacts (name TEXT);");
        const QByteArray before = readAll(QString::fromStdString(path));

        auto store = ExperimentStore::open(path);
        QVERIFY(!store);
        QCOMPARE(store.error().kind(), common::ErrorKind::Corrupt);
        QVERIFY(store.error().message().find("not a TrainStudio store") != std::string::npos);
        QCOMPARE(readAll(QString::fromStdString(path)), before);
    }

    void roundTrip()
    {
        auto store = openStore(m_dir.filePath("store.sqlite").toStdString());
        QVERIFY(store);
        auto run = store->createRun({ "mnist",
                                      "baseline",
                                      "{\"stages\":[]}",
                                      "cpu",
                                      { { "lr", "0.1" }, { "batchSize", "64" } } });
        QVERIFY(run);
        // Out of step order, and a second worker, as merged streams from several ranks arrive.
        const std::vector<MetricPoint> points = {
            point(*run, "train_loss", 3, 0.5),    point(*run, "train_loss", 1, 2.0),
            point(*run, "train_loss", 2, 1.0),    point(*run, "train_loss", 2, 1.5, 1),
            point(*run, "test_accuracy", 3, 0.9),
        };
        QVERIFY(store->appendMetrics(points).ok());
        QVERIFY(store->finishRun(*run, RunStatus::Finished).ok());

        auto runs = store->listRuns();
        QVERIFY(runs);
        QCOMPARE(runs->size(), size_t(1));
        const auto& summary = runs->front();
        QCOMPARE(summary.id, *run);
        QCOMPARE(summary.experiment, std::string("mnist"));
        QCOMPARE(summary.name, std::string("baseline"));
        QCOMPARE(store::toString(summary.status), std::string("finished"));
        QCOMPARE(summary.backend, std::string("cpu"));
        QVERIFY(summary.createdAt > 1.6e9);
        QVERIFY(summary.finishedAt >= summary.createdAt);
        QCOMPARE(summary.finalMetrics,
                 (std::map<std::string, double> { { "test_accuracy", 0.9 },
                                                  { "train_loss", 0.5 } }));

        auto details = store->runDetails(*run);
        QVERIFY(details);
        QCOMPARE(details->pipelineJson, std::string("{\"stages\":[]}"));
        QCOMPARE(details->params,
                 (std::vector<std::pair<std::string, std::string>> { { "lr", "0.1" },
                                                                     { "batchSize", "64" } }));
        QCOMPARE(details->metricNames,
                 (std::vector<std::string> { "test_accuracy", "train_loss" }));
        QCOMPARE(details->finalMetrics, summary.finalMetrics);

        auto series = store->metricSeries(*run, "train_loss");
        QVERIFY(series);
        QCOMPARE(series->size(), size_t(3));
        for (int64_t i = 0; i < 3; ++i) {
            QCOMPARE((*series)[i].step, i + 1);
            QCOMPARE((*series)[i].wallTime, 1700000000.0 + double(i + 1));
        }
        QCOMPARE((*series)[0].value, 2.0);
        auto worker1 = store->metricSeries(*run, "train_loss", 1);
        QVERIFY(worker1);
        QCOMPARE(worker1->size(), size_t(1));
        QCOMPARE(worker1->front().value, 1.5);
    }

    void finishRunStoresStatus_data()
    {
        QTest::addColumn<RunStatus>("status");
        QTest::addColumn<QString>("error");
        QTest::newRow("finished") << RunStatus::Finished << "";
        QTest::newRow("failed with reason") << RunStatus::Failed << "loss became NaN at step 12";
        QTest::newRow("cancelled by the user") << RunStatus::Cancelled << "";
    }
    void finishRunStoresStatus()
    {
        QFETCH(RunStatus, status);
        QFETCH(QString, error);
        auto store = openStore(m_dir.filePath("status.sqlite").toStdString());
        QVERIFY(store);
        const int64_t run = createRun(*store, "r");
        QCOMPARE(store::toString(store->runDetails(run)->status), std::string("running"));
        QVERIFY(store->finishRun(run, status, error.toStdString()).ok());
        auto details = store->runDetails(run);
        QVERIFY(details);
        QCOMPARE(store::toString(details->status), store::toString(status));
        QCOMPARE(details->error, error.toStdString());
    }

    void replayedBatchIsIgnored()
    {
        auto store = openStore(m_dir.filePath("replay.sqlite").toStdString());
        QVERIFY(store);
        const int64_t run = createRun(*store, "r");
        std::vector<MetricPoint> batch;
        for (int64_t step = 0; step < 100; ++step)
            batch.push_back(point(run, "train_loss", step, 1.0 / double(step + 1)));
        QVERIFY(store->appendMetrics(batch).ok());
        // A spooled batch replayed after a reconnect; the stored values win.
        for (auto& p : batch)
            p.value = -1;
        QVERIFY(store->appendMetrics(batch).ok());
        auto series = store->metricSeries(run, "train_loss");
        QVERIFY(series);
        QCOMPARE(series->size(), size_t(100));
        QCOMPARE(series->front().value, 1.0);
    }

    void failedBatchStoresNothing()
    {
        auto store = openStore(m_dir.filePath("atomic.sqlite").toStdString());
        QVERIFY(store);
        const int64_t run = createRun(*store, "r");
        const std::vector<MetricPoint> batch = { point(run, "loss", 1, 1.0),
                                                 point(run + 1000, "loss", 1, 1.0) };
        auto stored = store->appendMetrics(batch);
        QVERIFY(!stored.ok());
        QCOMPARE(stored.error().kind(), common::ErrorKind::InvalidInput);
        QCOMPARE(store->metricSeries(run, "loss")->size(), size_t(0));
    }

    void nanIsStored()
    {
        auto store = openStore(m_dir.filePath("nan.sqlite").toStdString());
        QVERIFY(store);
        const int64_t run = createRun(*store, "diverged");
        const std::vector<MetricPoint> batch = { point(run, "loss", 1, std::nan("")) };
        QVERIFY(store->appendMetrics(batch).ok());
        auto series = store->metricSeries(run, "loss");
        QVERIFY(series);
        QCOMPARE(series->size(), size_t(1));
        QVERIFY(std::isnan(series->front().value));
    }

    void finalMetricIsHighestStep_data()
    {
        QTest::addColumn<QList<qint64>>("steps");
        QTest::addColumn<QList<double>>("values");
        QTest::addColumn<double>("expected");
        QTest::newRow("steps in order")
                << QList<qint64> { 1, 2, 3 } << QList<double> { 3, 2, 1 } << 1.0;
        QTest::newRow("steps out of order")
                << QList<qint64> { 5, 1, 3 } << QList<double> { 7, 8, 9 } << 7.0;
        QTest::newRow("one point") << QList<qint64> { 0 } << QList<double> { 4.5 } << 4.5;
    }
    void finalMetricIsHighestStep()
    {
        QFETCH(QList<qint64>, steps);
        QFETCH(QList<double>, values);
        QFETCH(double, expected);
        auto store = openStore(m_dir.filePath("final.sqlite").toStdString());
        QVERIFY(store);
        const int64_t run = createRun(*store, "r");
        std::vector<MetricPoint> batch;
        for (qsizetype i = 0; i < steps.size(); ++i)
            batch.push_back(point(run, "loss", steps[i], values[i]));
        batch.push_back(point(run, "loss", 1000, -1.0, 1)); // other workers do not count
        QVERIFY(store->appendMetrics(batch).ok());
        auto runs = store->listRuns();
        QVERIFY(runs);
        QCOMPARE(runs->front().finalMetrics.at("loss"), expected);
    }

    void listsNewestFirst()
    {
        auto store = openStore(m_dir.filePath("list.sqlite").toStdString());
        QVERIFY(store);
        const int64_t first = createRun(*store, "first", "mnist");
        const int64_t second = createRun(*store, "second", "fashion");
        const int64_t third = createRun(*store, "third", "mnist");
        auto runs = store->listRuns();
        QVERIFY(runs);
        QCOMPARE(runs->size(), size_t(3));
        QCOMPARE((*runs)[0].id, third);
        QCOMPARE((*runs)[1].id, second);
        QCOMPARE((*runs)[1].experiment, std::string("fashion"));
        QCOMPARE((*runs)[2].id, first);
    }

    void reopenKeepsEverything()
    {
        const std::string path = m_dir.filePath("reopen.sqlite").toStdString();
        int64_t run = 0;
        {
            auto store = openStore(path);
            QVERIFY(store);
            run = createRun(*store, "kept");
            QVERIFY(store->appendMetrics(std::vector { point(run, "loss", 7, 0.25) }).ok());
            QVERIFY(store->finishRun(run, RunStatus::Failed, "out of memory").ok());
        }
        auto store = openStore(path);
        QVERIFY(store);
        QCOMPARE(store->schemaVersion(), ExperimentStore::SchemaVersion);
        auto details = store->runDetails(run);
        QVERIFY(details);
        QCOMPARE(details->name, std::string("kept"));
        QCOMPARE(store::toString(details->status), std::string("failed"));
        QCOMPARE(details->error, std::string("out of memory"));
        QCOMPARE(details->params.size(), size_t(1));
        QCOMPARE(details->finalMetrics.at("loss"), 0.25);
        QCOMPARE(store->listRuns()->size(), size_t(1));
    }

    void unknownRunIsNotFound()
    {
        const std::string path = m_dir.filePath("unknown.sqlite").toStdString();
        auto store = openStore(path);
        QVERIFY(store);
        auto details = store->runDetails(42);
        QVERIFY(!details);
        QCOMPARE(details.error().kind(), common::ErrorKind::NotFound);
        QCOMPARE(details.error().message(), "no run 42 in " + path);
        auto finished = store->finishRun(42, RunStatus::Finished);
        QVERIFY(!finished.ok());
        QCOMPARE(finished.error().kind(), common::ErrorKind::NotFound);
    }

    void statusSpelling()
    {
        QCOMPARE(store::toString(RunStatus::Running), std::string("running"));
        QCOMPARE(store::toString(RunStatus::Cancelled), std::string("cancelled"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_APPLESS_MAIN(TestExperimentStore)

#include "tst_experiment_store.moc"
