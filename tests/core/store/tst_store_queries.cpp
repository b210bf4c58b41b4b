// Tests of the store's query side: chart series (ranges, workers, LTTB downsampling) and the runs
// table's filters and orders (tst_store_records.cpp has the records of distributed runs).
// read-only store the studio reads with while a run writes.
#include "store/experiment_store.h"
#include "store/lttb.h"
#include "store/schema_migrations.h" // to write a store of an older version
#include "store/sqlite_handles.h"    // to hold a read transaction open behind the store's back
#include "store_test_support.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cmath>
#include <limits>
#include <map>

using namespace ts;
using store::ExperimentStore;
using store::MetricPoint;
using store::RunCondition;
using test::openRaw;
using test::openStore;
using test::point;
using test::readAll;

Q_DECLARE_METATYPE(ts::common::ErrorKind)

namespace {

constexpr double Nan = std::numeric_limits<double>::quiet_NaN();

// "param:lr < 0.05": key, operator and value, as a runs table filter reads.
RunCondition condition(const QString& text)
{
    static const std::map<QString, RunCondition::Op> ops {
        { "=", RunCondition::Op::Equal },
        { "!=", RunCondition::Op::NotEqual },
        { "<", RunCondition::Op::Less },
        { "<=", RunCondition::Op::LessEqual },
        { ">", RunCondition::Op::Greater },
        { ">=", RunCondition::Op::GreaterEqual },
        { "contains", RunCondition::Op::Contains },
    };
    const QStringList parts = text.split(' ');
    return { parts[0].toStdString(), ops.at(parts[1]), parts.mid(2).join(' ').toStdString() };
}

QList<qint64> stepsOf(const store::Series& series)
{
    QList<qint64> steps;
    for (const auto& p : series.points)
        steps << p.step;
    return steps;
}

} // namespace

class TestStoreQueries final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_store = openStore(m_dir.filePath("queries.sqlite").toStdString());
        QVERIFY(m_store);
        // Run 1: "loss" of workers 0, 1, 2 at steps 0..9 (value step + 10 * worker), "acc" of
        // worker 0. Run 2: "loss" of worker 0, which run 1's queries must not see.
        m_run = *m_store->createRun({ "mnist", "series", "{}", "cpu", {} });
        const int64_t other = *m_store->createRun({ "mnist", "other", "{}", "cpu", {} });
        std::vector<MetricPoint> points;
        for (int worker = 0; worker < 3; ++worker) {
            for (int64_t step = 0; step < 10; ++step)
                points.push_back(point(m_run, "loss", worker, step, double(step + 10 * worker)));
        }
        points.push_back(point(m_run, "acc", 0, 4, 0.5));
        points.push_back(point(other, "loss", 0, 4, -1));
        QVERIFY(m_store->appendMetrics(points).ok());
    }

    void seriesOfRangeAndWorkers_data()
    {
        QTest::addColumn<QList<int>>("workers");
        QTest::addColumn<qint64>("firstStep");
        QTest::addColumn<qint64>("lastStep");
        QTest::addColumn<QList<int>>("expectedWorkers");
        QTest::addColumn<QList<qint64>>("expectedSteps"); // of every series

        const qint64 min = std::numeric_limits<qint64>::min();
        const qint64 max = std::numeric_limits<qint64>::max();
        const QList<qint64> all { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
        QTest::newRow("no workers named: every worker")
                << QList<int> {} << min << max << QList<int> { 0, 1, 2 } << all;
        QTest::newRow("one worker") << QList<int> { 1 } << min << max << QList<int> { 1 } << all;
        QTest::newRow("workers come by worker, each once")
                << QList<int> { 2, 0, 2 } << min << max << QList<int> { 0, 2 } << all;
        QTest::newRow("the step range is inclusive")
                << QList<int> { 0 } << qint64(3) << qint64(5) << QList<int> { 0 }
                << QList<qint64> { 3, 4, 5 };
        QTest::newRow("a worker without points has no series")
                << QList<int> { 1, 7 } << qint64(8) << max << QList<int> { 1 }
                << QList<qint64> { 8, 9 };
        QTest::newRow("a range past the end is empty")
                << QList<int> {} << qint64(100) << qint64(200) << QList<int> {} << QList<qint64> {};
    }
    void seriesOfRangeAndWorkers()
    {
        QFETCH(QList<int>, workers);
        QFETCH(qint64, firstStep);
        QFETCH(qint64, lastStep);
        QFETCH(QList<int>, expectedWorkers);
        QFETCH(QList<qint64>, expectedSteps);
        auto series = m_store->series(
                { m_run, "loss", { workers.begin(), workers.end() }, firstStep, lastStep, 0 });
        QVERIFY2(series.ok(), series ? "" : series.error().message().c_str());
        QList<int> gotWorkers;
        for (const auto& s : *series) {
            gotWorkers << s.worker;
            QCOMPARE(stepsOf(s), expectedSteps);
            QCOMPARE(s.storedPoints, int64_t(expectedSteps.size()));
            for (const auto& p : s.points) {
                QCOMPARE(p.value, double(p.step + 10 * s.worker));
                QCOMPARE(p.wallTime, 1.7e9 + double(p.step));
                QCOMPARE(p.worker, s.worker);
            }
        }
        QCOMPARE(gotWorkers, expectedWorkers);
    }

    void seriesDownsamplesEachWorker_data()
    {
        QTest::addColumn<qint64>("firstStep");
        QTest::addColumn<qint64>("lastStep");
        QTest::addColumn<qint64>("stored"); // of worker 0, in the range
        QTest::newRow("whole run: 20,000 points to 2,000")
                << qint64(0) << qint64(19999) << qint64(20000);
        QTest::newRow("zoomed in: 10,000 points to 2,000")
                << qint64(5000) << qint64(14999) << qint64(10000);
        QTest::newRow("zoomed far in: every point")
                << qint64(12000) << qint64(13999) << qint64(2000);
    }
    void seriesDownsamplesEachWorker()
    {
        QFETCH(qint64, firstStep);
        QFETCH(qint64, lastStep);
        QFETCH(qint64, stored);
        // Worker 0: 20,000 noisy points with a spike at step 12345; worker 1: 500 points, fewer
        // than asked for, so it comes back whole.
        auto store = openStore(m_dir.filePath("downsample.sqlite").toStdString());
        QVERIFY(store);
        const int64_t run = *store->createRun({ "mnist", "long", "{}", "cpu", {} });
        std::vector<MetricPoint> points;
        for (int64_t step = 0; step < 20000; ++step) {
            const double noise = double((step * 7919) % 101) / 1000.0;
            points.push_back(point(run, "loss", 0, step, step == 12345 ? 50 : 1 + noise));
        }
        for (int64_t step = 0; step < 500; ++step)
            points.push_back(point(run, "loss", 1, firstStep + step, 2));
        QVERIFY(store->appendMetrics(points).ok());

        auto series = store->series({ run, "loss", {}, firstStep, lastStep, 2000 });
        QVERIFY(series.ok());
        QCOMPARE(series->size(), size_t(2));
        const auto& dense = (*series)[0];
        QCOMPARE(dense.storedPoints, stored);
        QCOMPARE(dense.points.size(), size_t(2000));
        QCOMPARE(dense.points.front().step, firstStep);
        QCOMPARE(dense.points.back().step, lastStep);
        if (firstStep <= 12345 && 12345 <= lastStep)
            QVERIFY(stepsOf(dense).contains(12345)); // the spike survives
        // Exactly the points LTTB picks from the stored ones.
        std::vector<double> x, y;
        for (int64_t step = firstStep; step <= lastStep; ++step) {
            x.push_back(double(step));
            y.push_back(points[size_t(step)].value);
        }
        QList<qint64> picked;
        for (const size_t i : store::lttbIndices(x, y, 2000))
            picked << firstStep + qint64(i);
        QCOMPARE(stepsOf(dense), picked);
        QCOMPARE((*series)[1].storedPoints, int64_t(500));
        QCOMPARE((*series)[1].points.size(), size_t(500));
    }

    void seriesKeepsNaN()
    {
        const std::vector<MetricPoint> points { point(m_run, "diverged", 0, 1, 1.0),
                                                point(m_run, "diverged", 0, 2, Nan) };
        QVERIFY(m_store->appendMetrics(points).ok());
        auto series = m_store->series({ m_run, "diverged", {}, 0, 10, 0 });
        QVERIFY(series.ok());
        QCOMPARE(series->front().points.size(), size_t(2));
        QVERIFY(std::isnan(series->front().points[1].value));
    }

    void throughputPerWorker()
    {
        std::vector<MetricPoint> points;
        for (int worker = 0; worker < 4; ++worker) {
            for (int64_t step = 0; step < 50; ++step)
                points.push_back(
                        point(m_run, "samples_per_second", worker, step, 1000.0 * (worker + 1)));
        }
        QVERIFY(m_store->appendMetrics(points).ok());
        auto rates = m_store->throughput(m_run, 10, 29, 5);
        QVERIFY(rates.ok());
        QCOMPARE(rates->size(), size_t(4));
        for (int worker = 0; worker < 4; ++worker) {
            const auto& series = (*rates)[size_t(worker)];
            QCOMPARE(series.worker, worker);
            QCOMPARE(series.storedPoints, int64_t(20));
            QCOMPARE(series.points.size(), size_t(5));
            QCOMPARE(series.points.front().step, int64_t(10));
            QCOMPARE(series.points.back().step, int64_t(29));
            QCOMPARE(series.points.front().value, 1000.0 * (worker + 1));
        }
    }

    void stepTimePercentilesPerWorker()
    {
        // 100 windows: worker 0's steps take 1..100 ms of compute plus 1 of data and 2 of
        // waiting; worker 1's a steady 10 + 1 + 2.
        std::vector<MetricPoint> points;
        for (int64_t window = 1; window <= 100; ++window) {
            const int64_t step = 10 * window;
            for (int worker : { 0, 1 }) {
                points.push_back(point(m_run, "time_data_ms", worker, step, 1));
                points.push_back(point(m_run, "time_compute_ms", worker, step,
                                       worker == 0 ? double(window) : 10));
                points.push_back(point(m_run, "time_comm_ms", worker, step, 2));
            }
        }
        QVERIFY(m_store->appendMetrics(points).ok());
        auto times = m_store->stepTimes(m_run);
        QVERIFY(times.ok());
        QCOMPARE(times->size(), size_t(2));
        const store::WorkerStepTimes& w0 = (*times)[0];
        QCOMPARE(w0.worker, 0);
        QCOMPARE(w0.windows, int64_t(100));
        QCOMPARE(w0.p50, 53.0); // 50 + 1 + 2
        QCOMPARE(w0.p90, 93.0);
        QCOMPARE(w0.p99, 102.0);
        QCOMPARE(w0.dataP50, 1.0);
        QCOMPARE(w0.computeP50, 50.0);
        QCOMPARE(w0.commP50, 2.0);
        const store::WorkerStepTimes& w1 = (*times)[1];
        QCOMPARE(w1.worker, 1);
        QCOMPARE(w1.p50, 13.0);
        QCOMPARE(w1.p99, 13.0);
    }

    void findRunsFiltersAndOrders_data()
    {
        QTest::addColumn<QStringList>("where");
        QTest::addColumn<QString>("orderBy");
        QTest::addColumn<bool>("descending");
        QTest::addColumn<int>("limit");
        QTest::addColumn<QStringList>("names");

        // The runs (see findRunsStore): lr, batch, opt params; loss, acc final metrics.
        //   alpha  mnist    finished  lr 0.1   batch 64   opt adam   loss 0.5  acc 0.9
        //   beta   mnist    finished  lr 0.01  batch 128  opt sgd    loss 0.3  acc 0.95
        //   gamma  fashion  failed    lr 1e-3  batch 32              loss NaN
        //   delta  fashion  running   lr auto  batch 256  opt adamw
        const QStringList none;
        QTest::newRow("every run, newest first")
                << none << "id" << true << 0 << QStringList { "delta", "gamma", "beta", "alpha" };
        QTest::newRow("oldest first")
                << none << "id" << false << 0 << QStringList { "alpha", "beta", "gamma", "delta" };
        QTest::newRow("numbers compare as numbers: 1e-3 and 0.01 are below 0.05")
                << QStringList { "param:lr < 0.05" } << "id" << false << 0
                << QStringList { "beta", "gamma" };
        QTest::newRow("text compares as text: 'auto' > '0.5'")
                << QStringList { "param:lr > 0.5" } << "id" << false << 0
                << QStringList { "delta" };
        QTest::newRow("equal numbers: 0.10 is 0.1") << QStringList { "param:lr = 0.10" } << "id"
                                                    << false << 0 << QStringList { "alpha" };
        QTest::newRow("a run without the key fails, even !=")
                << QStringList { "param:opt != adam" } << "id" << false << 0
                << QStringList { "beta", "delta" };
        QTest::newRow("contains matches text") << QStringList { "param:opt contains adam" } << "id"
                                               << false << 0 << QStringList { "alpha", "delta" };
        QTest::newRow("contains matches the text of numbers")
                << QStringList { "param:lr contains 0.0" } << "id" << false << 0
                << QStringList { "beta" };
        QTest::newRow("every condition must hold")
                << QStringList { "experiment = fashion", "param:batch >= 100" } << "id" << false
                << 0 << QStringList { "delta" };
        QTest::newRow("by status") << QStringList { "status = finished" } << "id" << true << 0
                                   << QStringList { "beta", "alpha" };
        QTest::newRow("by final metric") << QStringList { "metric:acc >= 0.95" } << "id" << true
                                         << 0 << QStringList { "beta" };
        QTest::newRow("order by a number param: 32 < 64 < 128 < 256")
                << none << "param:batch" << false << 0
                << QStringList { "gamma", "alpha", "beta", "delta" };
        QTest::newRow("runs without the metric (or NaN) sort last, ascending")
                << none << "metric:loss" << false << 0
                << QStringList { "beta", "alpha", "gamma", "delta" };
        QTest::newRow("runs without the metric sort last, descending")
                << none << "metric:loss" << true << 0
                << QStringList { "alpha", "beta", "delta", "gamma" };
        QTest::newRow("numbers sort before text")
                << none << "param:lr" << false << 0
                << QStringList { "gamma", "beta", "alpha", "delta" };
        QTest::newRow("by name") << none << "name" << false << 0
                                 << QStringList { "alpha", "beta", "delta", "gamma" };
        QTest::newRow("by creation time") << none << "created_at" << false << 0
                                          << QStringList { "alpha", "beta", "gamma", "delta" };
        QTest::newRow("limit: the best accuracy")
                << none << "metric:acc" << true << 1 << QStringList { "beta" };
    }
    void findRunsFiltersAndOrders()
    {
        QFETCH(QStringList, where);
        QFETCH(QString, orderBy);
        QFETCH(bool, descending);
        QFETCH(int, limit);
        QFETCH(QStringList, names);
        store::RunQuery query { {}, orderBy.toStdString(), descending, size_t(limit) };
        for (const QString& text : where)
            query.where.push_back(condition(text));
        auto runs = findRunsStore().findRuns(query);
        QVERIFY2(runs.ok(), runs ? "" : runs.error().message().c_str());
        QStringList got;
        for (const auto& run : *runs)
            got << QString::fromStdString(run.name);
        QCOMPARE(got, names);
    }

    void findRunsCarriesParamsAndMetrics()
    {
        auto runs = findRunsStore().findRuns({ { condition("name = beta") }, "id", true, 0 });
        QVERIFY(runs.ok());
        QCOMPARE(runs->size(), size_t(1));
        const auto& beta = runs->front();
        QCOMPARE(beta.experiment, std::string("mnist"));
        QCOMPARE(store::toString(beta.status), std::string("finished"));
        QCOMPARE(beta.params,
                 (std::vector<std::pair<std::string, std::string>> {
                         { "lr", "0.01" }, { "batch", "128" }, { "opt", "sgd" } }));
        QCOMPARE(beta.finalMetrics,
                 (std::map<std::string, double> { { "acc", 0.95 }, { "loss", 0.3 } }));
    }

    void findRunsRefusesUnknownKeys_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<bool>("inOrder"); // else in a condition
        QTest::newRow("a bare parameter name") << "lr" << false;
        QTest::newRow("a misspelt prefix") << "metrics:loss" << true;
        QTest::newRow("a prefix without a name") << "param:" << false;
        QTest::newRow("an empty key") << "" << true;
    }
    void findRunsRefusesUnknownKeys()
    {
        QFETCH(QString, key);
        QFETCH(bool, inOrder);
        store::RunQuery query;
        if (inOrder)
            query.orderBy = key.toStdString();
        else
            query.where.push_back({ key.toStdString(), RunCondition::Op::Equal, "1" });
        auto runs = m_store->findRuns(query);
        QVERIFY(!runs);
        QCOMPARE(runs.error().kind(), common::ErrorKind::InvalidInput);
        const std::string quoted = "'" + key.toStdString() + "'";
        QVERIFY2(runs.error().message().find(quoted) != std::string::npos,
                 runs.error().message().c_str());
    }

private:
    // The four runs of findRunsFiltersAndOrders_data, created on first use.
    ExperimentStore& findRunsStore()
    {
        if (m_runs)
            return *m_runs;
        m_runs = openStore(m_dir.filePath("runs.sqlite").toStdString());
        struct Row
        {
            const char* name;
            const char* experiment;
            std::vector<std::pair<std::string, std::string>> params;
            std::map<std::string, double> metrics;
            store::RunStatus status;
        };
        const Row rows[] = {
            { "alpha",
              "mnist",
              { { "lr", "0.1" }, { "batch", "64" }, { "opt", "adam" } },
              { { "loss", 0.5 }, { "acc", 0.9 } },
              store::RunStatus::Finished },
            { "beta",
              "mnist",
              { { "lr", "0.01" }, { "batch", "128" }, { "opt", "sgd" } },
              { { "loss", 0.3 }, { "acc", 0.95 } },
              store::RunStatus::Finished },
            { "gamma",
              "fashion",
              { { "lr", "1e-3" }, { "batch", "32" } },
              { { "loss", Nan } },
              store::RunStatus::Failed },
            { "delta",
              "fashion",
              { { "lr", "auto" }, { "batch", "256" }, { "opt", "adamw" } },
              {},
              store::RunStatus::Running },
        };
        for (const Row& row : rows) {
            const int64_t run =
                    *m_runs->createRun({ row.experiment, row.name, "{}", "cpu", row.params });
            std::vector<MetricPoint> points;
            for (const auto& [name, value] : row.metrics)
                points.push_back({ run, name, 0, 1, value, 0 });
            if (!m_runs->appendMetrics(points).ok())
                qWarning("cannot store the metrics of run %s", row.name);
            if (row.status != store::RunStatus::Running && !m_runs->finishRun(run, row.status).ok())
                qWarning("cannot finish run %s", row.name);
        }
        return *m_runs;
    }

    QTemporaryDir m_dir;
    std::unique_ptr<ExperimentStore> m_store;
    std::unique_ptr<ExperimentStore> m_runs;
    int64_t m_run = 0;
};

QTEST_APPLESS_MAIN(TestStoreQueries)

#include "tst_store_queries.moc"
