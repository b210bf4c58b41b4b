// Tests of the per-feature statistics stored with each run: mean, population deviation, numpy's
// linear quantiles and histogram bins computed by hand on small columns, NaN counted as missing,
// a constant column, an all-NaN column, names and label counts.
#include "data/feature_stats.h"

#include <QtTest/QTest>

#include <cmath>
#include <limits>

using namespace ts;

namespace {

constexpr float NaN = std::numeric_limits<float>::quiet_NaN();

// Column a: 1, 2, 3, 4, NaN; column b: constant 7; column c: all NaN. Labels 0, 2, 2, 1, 2.
data::Dataset smallSet()
{
    data::Dataset d;
    d.rows = 5;
    d.cols = 3;
    d.features = { 1, 7, NaN, 2, 7, NaN, 3, 7, NaN, 4, 7, NaN, NaN, 7, NaN };
    d.labels = { 0, 2, 2, 1, 2 };
    d.classCount = 3;
    d.columnNames = { "a" }; // the others are unnamed
    return d;
}

void compareAll(const std::vector<double>& actual, const std::vector<double>& expected)
{
    QCOMPARE(actual.size(), expected.size());
    for (size_t i = 0; i < actual.size(); ++i)
        QVERIFY2(std::abs(actual[i] - expected[i]) < 1e-9,
                 qPrintable(QString("[%1]: %2 != %3").arg(i).arg(actual[i]).arg(expected[i])));
}

} // namespace

class TestFeatureStats final : public QObject
{
    Q_OBJECT

private slots:
    void momentsIgnoreMissingValues()
    {
        const auto stats = data::computeStats(smallSet());
        QCOMPARE(stats.rows, int64_t(5));
        QCOMPARE(stats.features.size(), size_t(3));
        const auto& a = stats.features[0];
        QCOMPARE(a.name, std::string("a"));
        QCOMPARE(a.count, int64_t(4));
        QCOMPARE(a.missing, int64_t(1));
        QCOMPARE(a.mean, 2.5);
        QVERIFY(std::abs(a.stddev - std::sqrt(1.25)) < 1e-12); // population: ddof 0
        QCOMPARE(a.min, 1.0);
        QCOMPARE(a.max, 4.0);
    }

    void quantilesInterpolateLikeNumpy()
    {
        // numpy.quantile([1, 2, 3, 4], q): position q * 3 between the two nearest ranks.
        const auto stats = data::computeStats(smallSet());
        compareAll(stats.features[0].quantiles,
                   { 1.0, 1.03, 1.15, 1.75, 2.5, 3.25, 3.85, 3.97, 4.0 });
    }

    void binsSpanMinToMax()
    {
        const auto stats = data::computeStats(smallSet());
        const auto& a = stats.features[0];
        compareAll(a.binEdges, { 1.0, 1.3, 1.6, 1.9, 2.2, 2.5, 2.8, 3.1, 3.4, 3.7, 4.0 });
        // The maximum falls into the last, closed bin.
        QCOMPARE(a.binCounts, (std::vector<int64_t> { 1, 0, 0, 1, 0, 0, 1, 0, 0, 1 }));
    }

    void constantColumn()
    {
        const auto stats = data::computeStats(smallSet());
        const auto& b = stats.features[1];
        QCOMPARE(b.name, std::string("f1"));
        QCOMPARE(b.count, int64_t(5));
        QCOMPARE(b.missing, int64_t(0));
        QCOMPARE(b.mean, 7.0);
        QCOMPARE(b.stddev, 0.0);
        compareAll(b.quantiles, std::vector<double>(9, 7.0));
        // numpy.histogram's bins for a constant: [7 - 0.5, 7 + 0.5], the value in the middle.
        QCOMPARE(b.binEdges.front(), 6.5);
        QCOMPARE(b.binEdges.back(), 7.5);
        QCOMPARE(b.binCounts, (std::vector<int64_t> { 0, 0, 0, 0, 0, 5, 0, 0, 0, 0 }));
    }

    void allMissingColumn()
    {
        const auto stats = data::computeStats(smallSet());
        const auto& c = stats.features[2];
        QCOMPARE(c.name, std::string("f2"));
        QCOMPARE(c.count, int64_t(0));
        QCOMPARE(c.missing, int64_t(5));
        QVERIFY(std::isnan(c.mean) && std::isnan(c.min) && std::isnan(c.max));
        QVERIFY(c.quantiles.empty() && c.binEdges.empty() && c.binCounts.empty());
    }

    void labelCounts()
    {
        QCOMPARE(data::computeStats(smallSet()).labelCounts, (std::vector<int64_t> { 1, 1, 3 }));
        // A label past classCount still counts; an unseen class counts 0.
        data::Dataset d = smallSet();
        d.classCount = 5;
        d.labels = { 0, 0, 6, 1, 1 };
        QCOMPARE(data::computeStats(d).labelCounts, (std::vector<int64_t> { 2, 2, 0, 0, 0, 0, 1 }));
    }

    void emptyDataset()
    {
        const auto stats = data::computeStats(data::Dataset {});
        QCOMPARE(stats.rows, int64_t(0));
        QVERIFY(stats.features.empty());
        QVERIFY(stats.labelCounts.empty());
    }
};

QTEST_APPLESS_MAIN(TestFeatureStats)

#include "tst_feature_stats.moc"
