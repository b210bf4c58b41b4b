// The batched metric writer: when a batch is due (size, age, flush), that every point arrives
// exactly once whatever its order or the number of series, and that a replayed point is a no-op
// (the first value of a key wins).
#include "store/metric_writer.h"
#include "store_test_support.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <thread>

using namespace ts;

class TestMetricWriter final : public QObject
{
    Q_OBJECT

private slots:
    void batchesAreDueBySizeAgeOrFlush()
    {
        QTemporaryDir dir;
        store::MetricWriter::Options options;
        options.batchRows = 3;
        options.flushSeconds = 0.2;
        auto writer = store::MetricWriter::open(dir.filePath("s.sqlite").toStdString(), options);
        QVERIFY(writer);
        auto run = (*writer)->store().createRun({ "e", "r", "{}", "cpu", {} });
        QVERIFY(run);
        auto& w = **writer;
        QVERIFY(w.append({ *run, "loss", 0, 1, 1.0, 0 }));
        QVERIFY(w.append({ *run, "loss", 0, 2, 2.0, 0 }));
        QCOMPARE(w.pending(), size_t(2));
        QCOMPARE(w.committedBatches(), int64_t(0));
        QVERIFY(w.append({ *run, "loss", 0, 3, 3.0, 0 })); // the third point fills the batch
        QCOMPARE(w.pending(), size_t(0));
        QCOMPARE(w.committedBatches(), int64_t(1));
        QCOMPARE(w.lastBatch().size(), size_t(3));

        QVERIFY(w.append({ *run, "loss", 0, 4, 4.0, 0 }));
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        QVERIFY(w.append({ *run, "loss", 0, 5, 5.0, 0 })); // the oldest point is now 0.25 s old
        QCOMPARE(w.pending(), size_t(0));
        QCOMPARE(w.committedBatches(), int64_t(2));

        QVERIFY(w.append({ *run, "loss", 0, 6, 6.0, 0 }));
        QVERIFY(w.flush());
        QVERIFY(w.flush()); // nothing pending: a no-op
        QCOMPARE(w.committedBatches(), int64_t(3));
        auto series = w.store().metricSeries(*run, "loss");
        QVERIFY(series);
        QCOMPARE(series->size(), size_t(6));
    }

    // Points of many series in an interleaved order: every point stored once with its value,
    // whether the batch has few series (grouped before the commit) or more than 256 (not).
    void everyPointOnceWhateverTheSeries_data()
    {
        QTest::addColumn<int>("names");
        QTest::addColumn<int>("workers");
        QTest::newRow("one series") << 1 << 1;
        QTest::newRow("20 interleaved series") << 5 << 4;
        QTest::newRow("300 series, past the grouping limit") << 30 << 10;
    }
    void everyPointOnceWhateverTheSeries()
    {
        QFETCH(int, names);
        QFETCH(int, workers);
        QTemporaryDir dir;
        const QString path = dir.filePath("s.sqlite");
        auto writer = store::MetricWriter::open(path.toStdString());
        QVERIFY(writer);
        auto run = (*writer)->store().createRun({ "e", "r", "{}", "cpu", {} });
        QVERIFY(run);
        std::vector<std::string> metric;
        for (int n = 0; n < names; ++n)
            metric.push_back("m" + std::to_string(n));
        for (int64_t step = 0; step < 50; ++step)
            for (int w = 0; w < workers; ++w)
                for (const std::string& name : metric)
                    QVERIFY((*writer)->append({ *run, name, w, step, double(step * 1000 + w), 0 }));
        QVERIFY((*writer)->flush());
        QCOMPARE(test::scalar(path, "SELECT count(*) FROM metrics").toInt(), 50 * workers * names);
        QCOMPARE(test::scalar(path,
                              "SELECT count(*) FROM metrics WHERE value = step * 1000 + worker")
                         .toInt(),
                 50 * workers * names);
    }

    void replayedPointsAreNoOps()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("s.sqlite");
        auto writer = store::MetricWriter::open(path.toStdString());
        QVERIFY(writer);
        auto run = (*writer)->store().createRun({ "e", "r", "{}", "cpu", {} });
        QVERIFY(run);
        QVERIFY((*writer)->append({ *run, "loss", 0, 1, 0.5, 0 }));
        QVERIFY((*writer)->append({ *run, "loss", 0, 1, 0.9, 0 })); // the same key again
        QVERIFY((*writer)->flush());
        QVERIFY((*writer)->append({ *run, "loss", 0, 1, 0.7, 0 })); // and in a later batch
        QVERIFY((*writer)->flush());
        QCOMPARE(test::scalar(path, "SELECT count(*) FROM metrics"), QString("1"));
        QCOMPARE(test::scalar(path, "SELECT value FROM metrics"), QString("0.5"));
    }
};

QTEST_GUILESS_MAIN(TestMetricWriter)

#include "tst_metric_writer.moc"
