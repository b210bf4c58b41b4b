// StragglerDetector (cluster/straggler_detector.h): a worker whose own step time (data + compute)
// is more than twice the others' median is flagged once; waiting time does not count; a worker
// that recovers and slows down again is flagged again.
#include "cluster/straggler_detector.h"

#include <QtTest/QTest>

using namespace ts;

namespace {

// Feeds `windows` log windows in which worker w's own step time is ownMs[w] (split 1:3 into data
// and compute) plus `commMs` of waiting; returns the events.
std::vector<cluster::StragglerEvent> feed(cluster::StragglerDetector& detector,
                                          const std::vector<double>& ownMs, int windows,
                                          int64_t firstStep = 50, double commMs = 0)
{
    std::vector<cluster::StragglerEvent> events;
    for (int k = 0; k < windows; ++k) {
        const int64_t step = firstStep + 50 * k;
        for (int w = 0; w < int(ownMs.size()); ++w)
            for (const auto& [name, value] :
                 { std::pair<std::string, double> { "time_data_ms", ownMs[size_t(w)] / 4 },
                   { "time_compute_ms", ownMs[size_t(w)] * 3 / 4 },
                   { "time_comm_ms", commMs },
                   { "train_loss", 0.5 } })
                if (auto e = detector.add(w, name, step, value))
                    events.push_back(*e);
    }
    return events;
}

} // namespace

class TestStragglerDetector final : public QObject
{
    Q_OBJECT

private slots:
    void flagsTwiceTheMedian_data()
    {
        QTest::addColumn<std::vector<double>>("ownMs");
        QTest::addColumn<int>("straggler"); // -1: none
        QTest::newRow("even workers") << std::vector<double> { 10, 11, 9, 10 } << -1;
        QTest::newRow("1.9x is not yet a straggler")
                << std::vector<double> { 10, 10, 19, 10 } << -1;
        QTest::newRow("worker 2 at 2.5x") << std::vector<double> { 10, 10, 25, 10 } << 2;
        QTest::newRow("two workers, one 3x") << std::vector<double> { 30, 10 } << 0;
    }
    void flagsTwiceTheMedian()
    {
        QFETCH(std::vector<double>, ownMs);
        QFETCH(int, straggler);
        cluster::StragglerDetector detector;
        // Waiting on the straggler makes every worker's step long: it must not hide it.
        const auto events = feed(detector, ownMs, 20, 50, 40);
        if (straggler < 0) {
            QVERIFY(events.empty());
            return;
        }
        QCOMPARE(int(events.size()), 1); // once, not once per window
        QCOMPARE(events[0].worker, straggler);
        QVERIFY(events[0].ratio > 2.0);
        QVERIFY2(QString::fromStdString(events[0].message)
                         .startsWith(QString("worker %1's steps take ").arg(straggler)),
                 events[0].message.c_str());
    }

    void aRecoveredWorkerIsFlaggedAgainWhenItSlowsDown()
    {
        cluster::StragglerDetector detector;
        QCOMPARE(int(feed(detector, { 10, 30, 10 }, 10, 50).size()), 1);
        QCOMPARE(int(feed(detector, { 10, 10, 10 }, 10, 550).size()), 0);
        const auto again = feed(detector, { 10, 30, 10 }, 10, 1050);
        QCOMPARE(int(again.size()), 1);
        QCOMPARE(again[0].worker, 1);
    }

    void oneWorkerHasNoOthersToCompareWith()
    {
        cluster::StragglerDetector detector;
        QVERIFY(feed(detector, { 100 }, 20).empty());
    }
};

QTEST_GUILESS_MAIN(TestStragglerDetector)
#include "tst_straggler_detector.moc"
