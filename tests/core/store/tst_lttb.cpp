// LTTB downsampling against hand-worked series: the first and last points always stay, spikes
// survive, short series and small thresholds come back whole, NaN gaps stay visible.
#include "store/lttb.h"

#include <QtTest/QTest>

#include <cmath>
#include <limits>

using namespace ts;

namespace {

constexpr double Nan = std::numeric_limits<double>::quiet_NaN();

std::vector<size_t> lttb(const QList<double>& values, size_t threshold)
{
    std::vector<double> x, y(values.begin(), values.end());
    for (qsizetype i = 0; i < values.size(); ++i)
        x.push_back(double(i));
    return store::lttbIndices(x, y, threshold);
}

} // namespace

class TestLttb final : public QObject
{
    Q_OBJECT

private slots:
    void picksByLargestTriangle_data()
    {
        QTest::addColumn<QList<double>>("values");
        QTest::addColumn<int>("threshold");
        QTest::addColumn<QList<qsizetype>>("kept");

        // 10 points, threshold 4: first and last kept, the 8 inner points cut into 2 buckets
        // of 4 (indices 1-4 and 5-8).
        // Bucket 1 (x 1..4), anchor A = (0, 0), next bucket's mean C = (6.5, 2.25): twice the
        // triangle's area, |(Ax - Cx)(y - Ay) - (Ax - x)(Cy - Ay)| = |2.25 x - 6.5 y|, is 2.25,
        // 4.5, 6.75 and 41.5 for (1,0), (2,0), (3,0), (4,-5): the dip at x = 4 wins.
        // Bucket 2 (x 5..8), A = (4, -5), C = the last point (9, 0): |5x - 5y - 45| is 25, 20,
        // 40 and 10 for (5,1), (6,1), (7,6), (8,1): the spike at x = 7 wins.
        QTest::newRow("a dip and a spike survive")
                << QList<double> { 0, 0, 0, 0, -5, 1, 1, 6, 1, 0 } << 4
                << QList<qsizetype> { 0, 4, 7, 9 };
        // On a straight line every triangle is flat (area 0): the first point of each bucket.
        QTest::newRow("a straight line keeps the first point of each bucket")
                << QList<double> { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 } << 4
                << QList<qsizetype> { 0, 1, 5, 9 };
        QTest::newRow("one spike in a flat series")
                << QList<double> { 1, 1, 1, 1, 1, 1, 9, 1, 1, 1, 1, 1, 1 } << 3
                << QList<qsizetype> { 0, 6, 12 };
        QTest::newRow("threshold at the size returns every point")
                << QList<double> { 3, 1, 2 } << 3 << QList<qsizetype> { 0, 1, 2 };
        QTest::newRow("threshold above the size returns every point")
                << QList<double> { 3, 1 } << 10 << QList<qsizetype> { 0, 1 };
        QTest::newRow("threshold 2 returns every point (nothing to pick between)")
                << QList<double> { 3, 1, 2, 5 } << 2 << QList<qsizetype> { 0, 1, 2, 3 };
        QTest::newRow("threshold 0 returns every point")
                << QList<double> { 3, 1, 2, 5 } << 0 << QList<qsizetype> { 0, 1, 2, 3 };
        // 21 points, 4 buckets of the 19 inner ones, starting at 1 + b * 19 / 4 (rounded down):
        // 1, 5, 10, 15. A line keeps each bucket's first point: evenly spaced, the ends kept.
        QTest::newRow("a longer line keeps evenly spaced points")
                << QList<double> { 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
                                   11, 12, 13, 14, 15, 16, 17, 18, 19, 20 }
                << 6 << QList<qsizetype> { 0, 1, 5, 10, 15, 20 };
        QTest::newRow("an empty series") << QList<double> {} << 5 << QList<qsizetype> {};
        // Bucket 1 (x 1..2) holds only NaN: its first point stays, so the gap shows.
        QTest::newRow("a bucket of NaN keeps its first point")
                << QList<double> { 0, Nan, Nan, 4, 0, 1 } << 4 << QList<qsizetype> { 0, 1, 3, 5 };
        // Bucket 1 (x 1..2): the NaN never wins over the finite point.
        QTest::newRow("NaN never wins a bucket")
                << QList<double> { 0, Nan, 1, 0, 0, 0 } << 4 << QList<qsizetype> { 0, 2, 3, 5 };
        // Bucket 1 (x 1..2), A = (0, 0): the next bucket's mean skips the NaN at x = 3, so C =
        // (4, 4) and |4x - 4y| is 0 for (1,1) and 12 for (2,-1). A NaN in the mean would make
        // every area NaN and keep x = 1.
        QTest::newRow("NaN is left out of the next bucket's mean")
                << QList<double> { 0, 1, -1, Nan, 4, 0 } << 4 << QList<qsizetype> { 0, 2, 4, 5 };
        // Bucket 1 (x 1..2): no finite anchor yet, so A = (0, C's y) with C = (3.5, 0): the
        // level line y = 0, and the spike (2, 5) is farthest from it. Bucket 2 (x 3..4), A =
        // (2, 5), C = (5, 1): |-3(y - 5) + 4(2 - x)| is 11 and 7 for (3,0), (4,0).
        QTest::newRow("a series starting with NaN still keeps its spike")
                << QList<double> { Nan, 0, 5, 0, 0, 1 } << 4 << QList<qsizetype> { 0, 2, 3, 5 };
        // Bucket 2 (x 3..4) aims at a NaN last point: C = (5, the anchor's y 5), and both
        // points span the same area, so the first stays. The NaN last point is kept: the gap.
        QTest::newRow("a NaN last point is kept")
                << QList<double> { 0, 5, 0, 0, 0, Nan } << 4 << QList<qsizetype> { 0, 1, 3, 5 };
    }
    void picksByLargestTriangle()
    {
        QFETCH(QList<double>, values);
        QFETCH(int, threshold);
        QFETCH(QList<qsizetype>, kept);
        const std::vector<size_t> got = lttb(values, size_t(threshold));
        QCOMPARE(QList<qsizetype>(got.begin(), got.end()), kept);
    }

    // A long noisy series with one tall spike: 2,000 of 20,000 points, ascending, the ends kept,
    // and the spike among them.
    void longSeriesKeepsEndsAndSpike()
    {
        QList<double> values;
        uint32_t state = 7;
        for (int i = 0; i < 20000; ++i) {
            state = state * 1664525u + 1013904223u;
            values.push_back(double(state >> 16) / 65536.0);
        }
        values[12345] = 50;
        const std::vector<size_t> got = lttb(values, 2000);
        QCOMPARE(got.size(), size_t(2000));
        QCOMPARE(got.front(), size_t(0));
        QCOMPARE(got.back(), size_t(19999));
        QVERIFY(std::is_sorted(got.begin(), got.end()));
        QVERIFY(std::adjacent_find(got.begin(), got.end()) == got.end());
        QVERIFY(std::find(got.begin(), got.end(), size_t(12345)) != got.end());
    }
};

QTEST_APPLESS_MAIN(TestLttb)

#include "tst_lttb.moc"
