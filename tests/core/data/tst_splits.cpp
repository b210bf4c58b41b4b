// Tests of dataset splits and data-parallel shards: every row lands in exactly one split or shard,
// the result depends only on the seed, stratification keeps the label balance, time splits never
// train on the future, and bad ratios or time columns give messages that say what to fix.
#include "data/splits.h"

#include <QtTest/QTest>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace ts;
using common::ErrorKind;
using data::SplitSpec;
using Method = data::SplitSpec::Method;

Q_DECLARE_METATYPE(ts::data::SplitSpec)
Q_DECLARE_METATYPE(ts::data::SplitSpec::Method)

namespace {

// `rows` x 2 features: column 0 is the row index, column 1 a time that runs backwards with ties
// (rows 2k and 2k+1 share a time), so a time order differs from the row order. Labels cycle
// through `classCount` classes.
data::Dataset makeDataset(int64_t rows, int64_t classCount = 3)
{
    data::Dataset set;
    set.rows = rows;
    set.cols = 2;
    set.classCount = classCount;
    set.columnNames = { "index", "time" };
    set.origin = "table.csv";
    for (int64_t i = 0; i < rows; ++i) {
        set.features.push_back(float(i));
        set.features.push_back(float((rows - i) / 2));
        set.labels.push_back(float(i % classCount));
    }
    return set;
}

std::vector<int64_t> allRows(int64_t count)
{
    std::vector<int64_t> rows(static_cast<size_t>(count));
    std::iota(rows.begin(), rows.end(), int64_t { 0 });
    return rows;
}

// True when `part` is within one row of `ratio` * `total`: the promise of the cumulative cut.
bool withinOneRow(size_t part, int64_t total, double ratio)
{
    return std::abs(double(part) - double(total) * ratio) <= 1.0 + 1e-9;
}

} // namespace

class TestSplits final : public QObject
{
    Q_OBJECT

private slots:
    void partitionsAreDisjointAndComplete_data()
    {
        QTest::addColumn<Method>("method");
        QTest::addColumn<int>("rows");
        QTest::addColumn<double>("train");
        QTest::addColumn<double>("validation");
        QTest::addColumn<double>("test");

        const std::pair<const char*, Method> methods[] = { { "random", Method::Random },
                                                           { "stratified", Method::Stratified },
                                                           { "by time", Method::ByTime } };
        for (const auto& [name, method] : methods) {
            const auto row = [&](const char* what) -> QTestData& {
                return QTest::addRow("%s: %s", name, what) << method;
            };
            row("no rows") << 0 << 0.8 << 0.0 << 0.2;
            row("one row, 80/0/20") << 1 << 0.8 << 0.0 << 0.2;
            row("one row, all test") << 1 << 0.0 << 0.0 << 1.0;
            row("10 rows, 80/0/20") << 10 << 0.8 << 0.0 << 0.2;
            row("10 rows, 70/20/10 (floating sum)") << 10 << 0.7 << 0.2 << 0.1;
            row("101 rows, 60/20/20") << 101 << 0.6 << 0.2 << 0.2;
            row("100 rows, 29/0/71 (29 * 100 is 28.99...)") << 100 << 0.29 << 0.0 << 0.71;
            row("7 rows, all train") << 7 << 1.0 << 0.0 << 0.0;
            row("1000 rows, thirds") << 1000 << 1.0 / 3 << 1.0 / 3 << 1.0 / 3;
            row("999 rows, 45/45/10") << 999 << 0.45 << 0.45 << 0.1;
        }
    }
    void partitionsAreDisjointAndComplete()
    {
        QFETCH(Method, method);
        QFETCH(int, rows);
        QFETCH(double, train);
        QFETCH(double, validation);
        QFETCH(double, test);

        const data::Dataset set = makeDataset(rows);
        SplitSpec spec { train, validation, test, method, /*timeColumn*/ 1, /*seed*/ 42 };
        auto split = data::splitRows(set, spec);
        QVERIFY2(split, split ? "" : split.error().message().c_str());

        std::vector<int64_t> everyRow;
        for (const auto* part : { &split->train, &split->validation, &split->test }) {
            QVERIFY(std::is_sorted(part->begin(), part->end()));
            everyRow.insert(everyRow.end(), part->begin(), part->end());
        }
        std::sort(everyRow.begin(), everyRow.end());
        QCOMPARE(everyRow, allRows(rows)); // each row exactly once

        if (method != Method::Stratified) { // stratified rounds per class, see its own test
            QCOMPARE(int64_t(split->train.size()), int64_t(std::floor(rows * train + 1e-6)));
            QVERIFY(withinOneRow(split->validation.size(), rows, validation));
            QVERIFY(withinOneRow(split->test.size(), rows, test));
        }
    }

    void seedDecidesTheSplit_data()
    {
        QTest::addColumn<Method>("method");
        QTest::newRow("random") << Method::Random;
        QTest::newRow("stratified") << Method::Stratified;
    }
    void seedDecidesTheSplit()
    {
        QFETCH(Method, method);
        const data::Dataset set = makeDataset(500);
        SplitSpec spec { 0.6, 0.2, 0.2, method, -1, 7 };
        auto first = data::splitRows(set, spec);
        auto again = data::splitRows(set, spec);
        spec.seed = 8;
        auto other = data::splitRows(set, spec);
        QVERIFY(first && again && other);
        QCOMPARE(again->train, first->train);
        QCOMPARE(again->validation, first->validation);
        QCOMPARE(again->test, first->test);
        QVERIFY(other->train != first->train);
        QVERIFY(other->test != first->test);
    }

    void stratifiedKeepsClassProportions_data()
    {
        QTest::addColumn<double>("train");
        QTest::addColumn<double>("validation");
        QTest::addColumn<double>("test");
        QTest::newRow("80/0/20") << 0.8 << 0.0 << 0.2;
        QTest::newRow("70/15/15") << 0.7 << 0.15 << 0.15;
        QTest::newRow("45/45/10") << 0.45 << 0.45 << 0.1;
        QTest::newRow("33/33/34") << 0.33 << 0.33 << 0.34;
    }
    void stratifiedKeepsClassProportions()
    {
        QFETCH(double, train);
        QFETCH(double, validation);
        QFETCH(double, test);

        // 1000 rows, 90 % class 0 and 10 % class 1, the minority scattered through the table.
        data::Dataset set = makeDataset(1000, 2);
        for (int64_t i = 0; i < set.rows; ++i)
            set.labels[size_t(i)] = (i * 7) % 10 == 3 ? 1.0f : 0.0f;
        const int64_t perClass[] = { 900, 100 };

        SplitSpec spec { train, validation, test, Method::Stratified, -1, 3 };
        auto split = data::splitRows(set, spec);
        QVERIFY2(split, split ? "" : split.error().message().c_str());
        const std::pair<const std::vector<int64_t>*, double> parts[] = {
            { &split->train, train }, { &split->validation, validation }, { &split->test, test }
        };
        for (const auto& [rows, ratio] : parts) {
            for (int label = 0; label < 2; ++label) {
                const auto count = std::count_if(rows->begin(), rows->end(), [&](int64_t row) {
                    return set.labels[size_t(row)] == float(label);
                });
                QVERIFY2(withinOneRow(size_t(count), perClass[label], ratio),
                         qPrintable(QStringLiteral("class %1: %2 rows for ratio %3")
                                            .arg(label)
                                            .arg(count)
                                            .arg(ratio)));
            }
        }
    }

    void byTimeNeverTrainsOnTheFuture_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<double>("train");
        QTest::addColumn<double>("validation");
        QTest::addColumn<double>("test");
        QTest::newRow("backwards times with ties, 80/0/20") << 101 << 0.8 << 0.0 << 0.2;
        QTest::newRow("backwards times with ties, 60/20/20") << 50 << 0.6 << 0.2 << 0.2;
        QTest::newRow("two rows, 50/0/50") << 2 << 0.5 << 0.0 << 0.5;
    }
    void byTimeNeverTrainsOnTheFuture()
    {
        QFETCH(int, rows);
        QFETCH(double, train);
        QFETCH(double, validation);
        QFETCH(double, test);

        const data::Dataset set = makeDataset(rows);
        auto split = data::splitRows(set, { train, validation, test, Method::ByTime, 1, 0 });
        QVERIFY2(split, split ? "" : split.error().message().c_str());
        const auto time = [&](int64_t row) { return set.row(row)[1]; };
        const auto latest = [&](const std::vector<int64_t>& part) {
            float t = -std::numeric_limits<float>::infinity();
            for (int64_t row : part)
                t = std::max(t, time(row));
            return t;
        };
        const auto earliest = [&](const std::vector<int64_t>& part) {
            float t = std::numeric_limits<float>::infinity();
            for (int64_t row : part)
                t = std::min(t, time(row));
            return t;
        };
        QVERIFY(latest(split->train) <= earliest(split->validation));
        QVERIFY(latest(split->train) <= earliest(split->test));
        QVERIFY(latest(split->validation) <= earliest(split->test));
    }

    void byTimeKeepsRowOrderForTiesAndPutsUnknownTimesLast()
    {
        // Equal times keep the table's order; the NaN (unknown) time of row 0 sorts last.
        data::Dataset set = makeDataset(5);
        for (int64_t i = 0; i < set.rows; ++i)
            set.features[size_t(i * 2 + 1)] = 1.0f;
        set.features[1] = std::numeric_limits<float>::quiet_NaN();
        auto split = data::splitRows(set, { 0.6, 0.0, 0.4, Method::ByTime, 1, 0 });
        QVERIFY(split);
        QCOMPARE(split->train, (std::vector<int64_t> { 1, 2, 3 }));
        QCOMPARE(split->test, (std::vector<int64_t> { 0, 4 }));
    }

    void rejectsBadSpecs_data()
    {
        QTest::addColumn<SplitSpec>("spec");
        QTest::addColumn<int>("cols");
        QTest::addColumn<QString>("message");

        QTest::newRow("ratios sum to less than 1")
                << SplitSpec { 0.5, 0.2, 0.2 } << 2
                << "split ratios must be >= 0 and sum to 1, but train 0.5, validation 0.2 and "
                   "test 0.2 sum to 0.9";
        QTest::newRow("ratios sum to more than 1")
                << SplitSpec { 0.8, 0.1, 0.2 } << 2
                << "split ratios must be >= 0 and sum to 1, but train 0.8, validation 0.1 and "
                   "test 0.2 sum to 1.1";
        QTest::newRow("negative ratio, sum 1")
                << SplitSpec { 1.2, 0.0, -0.2 } << 2
                << "split ratios must be >= 0 and sum to 1, but train 1.2, validation 0 and "
                   "test -0.2 sum to 1";
        QTest::newRow("time column not set")
                << SplitSpec { 0.8, 0.0, 0.2, Method::ByTime } << 2
                << "time column -1 is out of range: table.csv has 2 feature columns; choose an "
                   "index from 0 to 1";
        QTest::newRow("time column past the last feature")
                << SplitSpec { 0.8, 0.0, 0.2, Method::ByTime, 2 } << 2
                << "time column 2 is out of range: table.csv has 2 feature columns; choose an "
                   "index from 0 to 1";
        QTest::newRow("no features to order by")
                << SplitSpec { 0.8, 0.0, 0.2, Method::ByTime, 0 } << 0
                << "time column 0 is out of range: table.csv has no feature columns to order by";
    }
    void rejectsBadSpecs()
    {
        QFETCH(SplitSpec, spec);
        QFETCH(int, cols);
        QFETCH(QString, message);

        data::Dataset set = makeDataset(4);
        if (cols == 0) {
            set.cols = 0;
            set.features.clear();
            set.columnNames.clear();
        }
        auto split = data::splitRows(set, spec);
        QVERIFY(!split);
        QCOMPARE(split.error().kind(), ErrorKind::InvalidInput);
        QCOMPARE(QString::fromStdString(split.error().message()), message);
    }

    void rejectsNanRatios()
    {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        auto split = data::splitRows(makeDataset(4), { nan, 0.0, 1.0 });
        QVERIFY(!split);
        QCOMPARE(split.error().kind(), ErrorKind::InvalidInput);
    }

    void shardsPartitionTheRows_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("ranks");
        for (int ranks = 1; ranks <= 8; ++ranks)
            QTest::addRow("10007 rows over %d ranks", ranks) << 10007 << ranks;
        QTest::newRow("no rows over 4 ranks") << 0 << 4;
        QTest::newRow("3 rows over 8 ranks: some shards empty") << 3 << 8;
    }
    void shardsPartitionTheRows()
    {
        QFETCH(int, rows);
        QFETCH(int, ranks);

        std::vector<int64_t> everyRow;
        size_t smallest = size_t(rows);
        size_t largest = 0;
        for (int rank = 0; rank < ranks; ++rank) {
            const std::vector<int64_t> shard = data::shardRows(rows, rank, ranks, 11);
            QCOMPARE(data::shardRows(rows, rank, ranks, 11), shard); // deterministic
            QVERIFY(std::is_sorted(shard.begin(), shard.end()));
            if (ranks > 1 && shard.size() > 1) { // a permuted deal, not a contiguous block
                QVERIFY(shard.back() - shard.front() + 1 > int64_t(shard.size()));
                QVERIFY(data::shardRows(rows, rank, ranks, 12) != shard);
            }
            smallest = std::min(smallest, shard.size());
            largest = std::max(largest, shard.size());
            everyRow.insert(everyRow.end(), shard.begin(), shard.end());
        }
        std::sort(everyRow.begin(), everyRow.end());
        QCOMPARE(everyRow, allRows(rows)); // disjoint and complete
        QVERIFY(largest - smallest <= 1);
    }

    void selectRowsCopiesFeaturesAndLabels()
    {
        data::Dataset set = makeDataset(4);
        set.sampleShape = { 2 };
        const data::Dataset picked = data::selectRows(set, { 3, 0, 3 });
        QCOMPARE(picked.rows, int64_t(3));
        QCOMPARE(picked.cols, set.cols);
        QCOMPARE(picked.features, (std::vector<float> { 3, 0, 0, 2, 3, 0 }));
        QCOMPARE(picked.labels, (std::vector<float> { 0, 0, 0 }));
        QCOMPARE(picked.classCount, set.classCount);
        QCOMPARE(picked.sampleShape, set.sampleShape);
        QCOMPARE(picked.columnNames, set.columnNames);
        QCOMPARE(picked.origin, std::string("table.csv [rows]"));

        const data::Dataset none = data::selectRows(set, {});
        QCOMPARE(none.rows, int64_t(0));
        QVERIFY(none.features.empty() && none.labels.empty());
    }
};

QTEST_APPLESS_MAIN(TestSplits)

#include "tst_splits.moc"
