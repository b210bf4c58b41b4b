// Tests of the imputer: every strategy fitted on a training column with missing values (NaN) and
// applied to another dataset, which is filled with the training statistics, never its own.
#include "data/imputer.h"

#include <QtTest/QTest>

#include <cmath>
#include <limits>

using namespace ts;
using data::ImputeStrategy;

Q_DECLARE_METATYPE(ts::data::ImputeStrategy)

namespace {

constexpr float Nan = std::numeric_limits<float>::quiet_NaN();

// A dataset of one feature column.
data::Dataset column(const QList<float>& values)
{
    data::Dataset set;
    set.rows = values.size();
    set.cols = 1;
    set.features.assign(values.begin(), values.end());
    set.labels.assign(values.size(), 0.0f);
    set.classCount = 1;
    return set;
}

} // namespace

class TestImputer final : public QObject
{
    Q_OBJECT

private slots:
    void fillsWithTrainingStatistics_data()
    {
        QTest::addColumn<ImputeStrategy>("strategy");
        QTest::addColumn<float>("value");
        QTest::addColumn<QList<float>>("train");
        QTest::addColumn<float>("fill");

        // The test dataset is always {NaN, 100, NaN}: its own statistics would give 100.
        QTest::newRow("mean skips the missing values")
                << ImputeStrategy::Mean << 0.0f << QList<float> { 1, Nan, 2, 6 } << 3.0f;
        QTest::newRow("median of an odd count")
                << ImputeStrategy::Median << 0.0f << QList<float> { 9, Nan, 1, 5 } << 5.0f;
        QTest::newRow("median of an even count averages the middle two")
                << ImputeStrategy::Median << 0.0f << QList<float> { 4, 1, Nan, 2, 10 } << 3.0f;
        QTest::newRow("most frequent value") << ImputeStrategy::MostFrequent << 0.0f
                                             << QList<float> { 7, 3, Nan, 7, 3, 7 } << 7.0f;
        QTest::newRow("most frequent: a tie goes to the smallest")
                << ImputeStrategy::MostFrequent << 0.0f << QList<float> { 5, 2, Nan, 5, 2, 9 }
                << 2.0f;
        QTest::newRow("constant ignores the data")
                << ImputeStrategy::Constant << -1.5f << QList<float> { 1, Nan, 2 } << -1.5f;
        QTest::newRow("mean of an all-missing column is 0")
                << ImputeStrategy::Mean << 0.0f << QList<float> { Nan, Nan } << 0.0f;
        QTest::newRow("median of an all-missing column is 0")
                << ImputeStrategy::Median << 0.0f << QList<float> { Nan, Nan } << 0.0f;
        QTest::newRow("most frequent of an all-missing column is 0")
                << ImputeStrategy::MostFrequent << 0.0f << QList<float> { Nan } << 0.0f;
        QTest::newRow("constant on an all-missing column")
                << ImputeStrategy::Constant << 4.0f << QList<float> { Nan, Nan } << 4.0f;
    }
    void fillsWithTrainingStatistics()
    {
        QFETCH(ImputeStrategy, strategy);
        QFETCH(float, value);
        QFETCH(QList<float>, train);
        QFETCH(float, fill);

        data::Dataset trainSet = column(train);
        const auto imputer = data::Imputer::fit(trainSet, { strategy, value });
        QCOMPARE(imputer.fills(), std::vector<float> { fill });

        data::Dataset test = column({ Nan, 100, Nan });
        imputer.apply(test);
        QCOMPARE(test.features, (std::vector<float> { fill, 100, fill }));

        imputer.apply(trainSet);
        for (qsizetype i = 0; i < train.size(); ++i)
            QCOMPARE(trainSet.features[size_t(i)], std::isnan(train[i]) ? fill : train[i]);
    }

    void fitsEachFeatureOnItsOwn()
    {
        // Two features, row-major: a = {1, NaN, 3}, b = {NaN, 10, 20}.
        data::Dataset train;
        train.rows = 3;
        train.cols = 2;
        train.features = { 1, Nan, Nan, 10, 3, 20 };
        const auto imputer = data::Imputer::fit(train, { ImputeStrategy::Median, 0 });
        QCOMPARE(imputer.fills(), (std::vector<float> { 2, 15 }));
        imputer.apply(train);
        QCOMPARE(train.features, (std::vector<float> { 1, 15, 2, 10, 3, 20 }));
    }

    void noneLeavesMissingValues()
    {
        data::Dataset set = column({ 1, Nan });
        const auto imputer = data::Imputer::fit(set, {});
        QVERIFY(imputer.fills().empty());
        imputer.apply(set);
        QVERIFY(std::isnan(set.features[1]));
    }

    void findsTheFirstColumnWithMissingValues()
    {
        data::Dataset set;
        set.rows = 3;
        set.cols = 3;
        // a is complete; b misses rows 2 and 3; c misses row 1.
        set.features = { 1, 2, Nan, 4, Nan, 6, 7, Nan, 9 };
        const data::MissingReport report = data::findMissing(set);
        QCOMPARE(report.column, 1);
        QCOMPARE(report.count, 2);
        QCOMPARE(report.firstRow, 2);
        QCOMPARE(data::findMissing(column({ 1, 2 })).column, -1);
    }

    void strategyNames()
    {
        QCOMPARE(data::toString(ImputeStrategy::None), std::string("none"));
        QCOMPARE(data::toString(ImputeStrategy::MostFrequent), std::string("most_frequent"));
        QCOMPARE(data::toString(ImputeStrategy::Constant), std::string("constant"));
    }
};

QTEST_APPLESS_MAIN(TestImputer)
#include "tst_imputer.moc"
