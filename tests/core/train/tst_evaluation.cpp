// Classification reports against hand-worked confusion matrices.
#include "common/fuzzy_compare.h"
#include "train/evaluation.h"

#include <QtTest/QTest>

using namespace ts;

class TstEvaluation : public QObject
{
    Q_OBJECT

private slots:
    void threeClasses();
    void classNeverPredictedHasZeroPrecision();
    void perfectPredictions();
};

void TstEvaluation::threeClasses()
{
    // actual 0: predicted 0,0,1   actual 1: predicted 1,1   actual 2: predicted 0,2,2,2
    train::ReportBuilder builder(3);
    for (auto [a, p] : { std::pair { 0, 0 },
                         { 0, 0 },
                         { 0, 1 },
                         { 1, 1 },
                         { 1, 1 },
                         { 2, 0 },
                         { 2, 2 },
                         { 2, 2 },
                         { 2, 2 } })
        builder.add(a, p);
    const auto r = builder.finish();
    QCOMPARE(r.rows, int64_t(9));
    QCOMPARE(r.confusion, (std::vector<int64_t> { 2, 1, 0, 0, 2, 0, 1, 0, 3 }));
    QCOMPARE(r.count(2, 0), int64_t(1));
    QVERIFY(test::fuzzyEqual(r.accuracy, 7.0 / 9.0));
    // class 0: predicted 3 times, right twice -> precision 2/3; present 3 times -> recall 2/3
    // class 1: precision 2/3 (one 0 predicted as 1), recall 1
    // class 2: precision 1, recall 3/4
    const std::vector<double> precision { 2.0 / 3, 2.0 / 3, 1.0 };
    const std::vector<double> recall { 2.0 / 3, 1.0, 0.75 };
    for (size_t c = 0; c < 3; ++c) {
        QVERIFY(test::fuzzyEqual(r.precision[c], precision[c]));
        QVERIFY(test::fuzzyEqual(r.recall[c], recall[c]));
        const double f1 = 2 * precision[c] * recall[c] / (precision[c] + recall[c]);
        QVERIFY(test::fuzzyEqual(r.f1[c], f1));
    }
    // F1: 2/3, 0.8, 6/7 -> mean
    QVERIFY(test::fuzzyEqual(r.macroF1, (2.0 / 3 + 0.8 + 6.0 / 7) / 3));
}

void TstEvaluation::classNeverPredictedHasZeroPrecision()
{
    // Class 1 is present but never predicted: precision 0 (scikit-learn's zero_division=0),
    // recall 0, F1 0 — not NaN.
    train::ReportBuilder builder(2);
    builder.add(0, 0);
    builder.add(1, 0);
    const auto r = builder.finish();
    QCOMPARE(r.precision[1], 0.0);
    QCOMPARE(r.recall[1], 0.0);
    QCOMPARE(r.f1[1], 0.0);
    QCOMPARE(r.precision[0], 0.5);
    QCOMPARE(r.recall[0], 1.0);
}

void TstEvaluation::perfectPredictions()
{
    train::ReportBuilder builder(4);
    for (int c = 0; c < 4; ++c)
        builder.add(c, c);
    const auto r = builder.finish();
    QCOMPARE(r.accuracy, 1.0);
    QCOMPARE(r.macroF1, 1.0);
}

QTEST_APPLESS_MAIN(TstEvaluation)
#include "tst_evaluation.moc"
