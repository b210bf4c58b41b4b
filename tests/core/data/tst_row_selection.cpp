// Tests of the streaming row selection: shards that partition the rows, Bernoulli samples of the
// asked fraction, reservoir samples of exactly the asked size, all repeatable from their seeds.
#include "data/row_selection.h"

#include <QtTest/QTest>

#include <algorithm>
#include <set>

using namespace ts;

namespace {

// The source rows of [0, rows) that `selection` keeps, in source order.
std::vector<int64_t> keptRows(const data::RowSelection& selection, int64_t rows)
{
    data::RowSelector selector(selection);
    std::vector<int64_t> rowOfSlot; // slot -> source row
    for (int64_t row = 0; row < rows; ++row) {
        const int64_t slot = selector.offer(row);
        if (slot < 0)
            continue;
        if (slot == int64_t(rowOfSlot.size()))
            rowOfSlot.push_back(row);
        else
            rowOfSlot[size_t(slot)] = row;
    }
    const std::vector<int64_t> order = selector.sourceOrder();
    if (order.empty())
        return rowOfSlot;
    std::vector<int64_t> inOrder;
    for (const int64_t slot : order)
        inOrder.push_back(rowOfSlot[size_t(slot)]);
    return inOrder;
}

} // namespace

class TestRowSelection final : public QObject
{
    Q_OBJECT

private slots:
    void everyRowByDefault()
    {
        const data::RowSelection all;
        QVERIFY(all.keepsEverything());
        QCOMPARE(QString::fromStdString(all.describe()), QString());
        const std::vector<int64_t> rows = keptRows(all, 100);
        QCOMPARE(rows.size(), size_t(100));
        QVERIFY(std::is_sorted(rows.begin(), rows.end()));
    }

    void shardsPartitionTheRows_data()
    {
        QTest::addColumn<int>("count");
        QTest::addColumn<qint64>("rows");
        QTest::newRow("2 shards of 10,000 rows") << 2 << qint64(10000);
        QTest::newRow("4 shards of 10,000 rows") << 4 << qint64(10000);
        QTest::newRow("7 shards of 1,001 rows") << 7 << qint64(1001);
        QTest::newRow("more shards than rows") << 8 << qint64(5);
    }
    void shardsPartitionTheRows()
    {
        QFETCH(int, count);
        QFETCH(qint64, rows);
        std::multiset<int64_t> seen;
        for (int rank = 0; rank < count; ++rank) {
            data::RowSelection selection;
            selection.shardRank = rank;
            selection.shardCount = count;
            selection.shardSeed = 11;
            const std::vector<int64_t> shard = keptRows(selection, rows);
            QVERIFY(std::is_sorted(shard.begin(), shard.end()));
            // A binomial share: within 5 standard deviations of rows / count.
            const double expected = double(rows) / count;
            const double spread = 5 * std::sqrt(expected * (1 - 1.0 / count)) + 1;
            QVERIFY2(std::abs(double(shard.size()) - expected) <= spread,
                     qPrintable(QString("shard %1 has %2 rows").arg(rank).arg(shard.size())));
            seen.insert(shard.begin(), shard.end());
            QCOMPARE(keptRows(selection, rows), shard); // the same on every machine
        }
        QCOMPARE(qint64(seen.size()), rows); // every row once: disjoint and covering
        QCOMPARE(std::set<int64_t>(seen.begin(), seen.end()).size(), size_t(rows));
    }

    void shardsAreInterleavedNotBlocks()
    {
        data::RowSelection selection;
        selection.shardCount = 2;
        const std::vector<int64_t> shard = keptRows(selection, 1000);
        const auto firstHalf =
                std::count_if(shard.begin(), shard.end(), [](int64_t row) { return row < 500; });
        QVERIFY(firstHalf > 200 && firstHalf < 300);
    }

    void fractionSamplesThatShare_data()
    {
        QTest::addColumn<double>("fraction");
        QTest::newRow("10 %") << 0.1;
        QTest::newRow("50 %") << 0.5;
        QTest::newRow("1 %") << 0.01;
    }
    void fractionSamplesThatShare()
    {
        QFETCH(double, fraction);
        data::RowSelection selection;
        selection.fraction = fraction;
        selection.seed = 3;
        const int64_t rows = 100000;
        const std::vector<int64_t> kept = keptRows(selection, rows);
        const double expected = fraction * rows;
        QVERIFY2(std::abs(double(kept.size()) - expected)
                         <= 5 * std::sqrt(expected * (1 - fraction)),
                 qPrintable(QString::number(kept.size())));
        QVERIFY(std::is_sorted(kept.begin(), kept.end()));
        selection.seed = 4;
        QVERIFY(keptRows(selection, rows) != kept); // another seed, another sample
    }

    void reservoirKeepsExactlyTheAskedRows_data()
    {
        QTest::addColumn<qint64>("sample");
        QTest::addColumn<qint64>("rows");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("100 of 10,000") << qint64(100) << qint64(10000) << qint64(100);
        QTest::newRow("all 50 when asked for more") << qint64(80) << qint64(50) << qint64(50);
        QTest::newRow("1 of 1,000") << qint64(1) << qint64(1000) << qint64(1);
    }
    void reservoirKeepsExactlyTheAskedRows()
    {
        QFETCH(qint64, sample);
        QFETCH(qint64, rows);
        QFETCH(qint64, expected);
        data::RowSelection selection;
        selection.sampleRows = sample;
        selection.seed = 9;
        const std::vector<int64_t> kept = keptRows(selection, rows);
        QCOMPARE(qint64(kept.size()), expected);
        QVERIFY(std::is_sorted(kept.begin(), kept.end())); // source order restored
        QCOMPARE(std::set<int64_t>(kept.begin(), kept.end()).size(), kept.size());
        QCOMPARE(keptRows(selection, rows), kept);
    }

    // Each row is in a reservoir sample of 10 of 100 rows with probability 1/10: over 2,000
    // seeds every row is drawn about 200 times, and the first and last rows are no exception.
    void reservoirIsUniform()
    {
        std::vector<int> drawn(100, 0);
        for (uint64_t seed = 0; seed < 2000; ++seed) {
            data::RowSelection selection;
            selection.sampleRows = 10;
            selection.seed = seed;
            for (const int64_t row : keptRows(selection, 100))
                ++drawn[size_t(row)];
        }
        for (size_t row = 0; row < drawn.size(); ++row) // 200 +- 5 sigma (sigma ~ 13.4)
            QVERIFY2(drawn[row] > 133 && drawn[row] < 267,
                     qPrintable(QString("row %1 drawn %2 times").arg(row).arg(drawn[row])));
    }

    void sampleOfAShard()
    {
        data::RowSelection shard;
        shard.shardCount = 3;
        shard.shardRank = 1;
        data::RowSelection both = shard;
        both.sampleRows = 50;
        const std::vector<int64_t> rows = keptRows(shard, 3000);
        const std::set<int64_t> inShard(rows.begin(), rows.end());
        const std::vector<int64_t> sampled = keptRows(both, 3000);
        QCOMPARE(sampled.size(), size_t(50));
        for (const int64_t row : sampled)
            QVERIFY(inShard.count(row));
        QCOMPARE(QString::fromStdString(both.describe()),
                 QString("shard 1 of 3, sample of 50 rows"));
    }
};

QTEST_APPLESS_MAIN(TestRowSelection)

#include "tst_row_selection.moc"
