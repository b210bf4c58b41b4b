// Tests of the fitted prep: every step with hand-worked values, fitted on a training table and
// applied to another one (whose own statistics must never matter), the errors of fit, apply and
// fromJson word for word, and the round trip through JSON, which must give the same bits.
#include "data/fitted_prep.h"

#include <QtTest/QTest>

#include <cmath>
#include <cstring>
#include <limits>

using namespace ts;
using data::ColumnKind;
using data::EncodeKind;
using data::ImputeStrategy;
using data::PrepTransformsSpec;
using data::ScaleKind;

namespace {

// A PrepTransformsSpec written step by step, as the pipeline would name them:
// Spec().impute(ImputeStrategy::Median).log("x").
struct Spec
{
    PrepTransformsSpec value;

    Spec& encode(std::string column, EncodeKind kind, std::vector<std::string> order = {})
    {
        value.encode.push_back({ std::move(column), kind, std::move(order) });
        return *this;
    }
    Spec& impute(ImputeStrategy strategy, float constant = 0)
    {
        value.impute = { strategy, constant };
        return *this;
    }
    Spec& clip(std::string column, double lower, double upper, bool quantiles = false)
    {
        value.clip.push_back({ std::move(column), quantiles, lower, upper });
        return *this;
    }
    Spec& log(std::string column)
    {
        value.log.push_back(std::move(column));
        return *this;
    }
    Spec& bucketize(std::string column, std::vector<double> bounds, int quantiles = 0)
    {
        value.bucketize.push_back({ std::move(column), std::move(bounds), quantiles });
        return *this;
    }
    Spec& scale(ScaleKind kind)
    {
        value.scale = kind;
        return *this;
    }
};

} // namespace

Q_DECLARE_METATYPE(Spec)
Q_DECLARE_METATYPE(ts::data::EncodeKind)

namespace {

constexpr float Nan = std::numeric_limits<float>::quiet_NaN();
constexpr double Inf = std::numeric_limits<double>::infinity();

// One column of a hand-built table: numbers, or category texts where "" is a missing value.
struct Column
{
    std::string name;
    ColumnKind kind = ColumnKind::Numeric;
    std::vector<float> numbers;
    std::vector<std::string> texts;
    std::vector<std::string> dictionary; // the text of each code; empty: order of appearance
};

Column numeric(std::string name, std::vector<float> values)
{
    return { std::move(name), ColumnKind::Numeric, std::move(values), {}, {} };
}

Column categorical(std::string name, std::vector<std::string> texts,
                   std::vector<std::string> dictionary = {})
{
    return {
        std::move(name), ColumnKind::Categorical, {}, std::move(texts), std::move(dictionary)
    };
}

std::vector<std::string> dictionaryOf(const Column& column)
{
    if (!column.dictionary.empty())
        return column.dictionary;
    std::vector<std::string> dictionary; // numbered as a reader does: in order of appearance
    for (const std::string& text : column.texts)
        if (!text.empty()
            && std::find(dictionary.begin(), dictionary.end(), text) == dictionary.end())
            dictionary.push_back(text);
    return dictionary;
}

// A Dataset of `columns` as a table reader builds it, with two classes of labels.
data::Dataset table(const std::vector<Column>& columns, const std::string& origin = "train.csv")
{
    data::Dataset set;
    set.origin = origin;
    set.cols = int64_t(columns.size());
    set.rows = int64_t(columns[0].kind == ColumnKind::Numeric ? columns[0].numbers.size()
                                                              : columns[0].texts.size());
    for (const Column& column : columns) {
        set.columnNames.push_back(column.name);
        set.columnTypes.push_back({ column.kind, {} });
        if (column.kind == ColumnKind::Categorical)
            set.columnTypes.back().categories = dictionaryOf(column);
    }
    for (int64_t i = 0; i < set.rows; ++i)
        for (size_t j = 0; j < columns.size(); ++j) {
            const Column& column = columns[j];
            if (column.kind == ColumnKind::Numeric) {
                set.features.push_back(column.numbers[size_t(i)]);
                continue;
            }
            const std::string& text = column.texts[size_t(i)];
            const auto& dictionary = set.columnTypes[j].categories;
            set.features.push_back(
                    text.empty() ? Nan
                                 : float(std::find(dictionary.begin(), dictionary.end(), text)
                                         - dictionary.begin()));
        }
    set.labels.assign(size_t(set.rows), 1.0f);
    set.classCount = 2;
    set.classNames = { "no", "yes" };
    return set;
}

std::vector<float> floats(const QList<float>& values)
{
    return { values.begin(), values.end() };
}

std::vector<std::string> strings(const QStringList& texts)
{
    std::vector<std::string> result;
    for (const QString& text : texts)
        result.push_back(text.toStdString());
    return result;
}

// Empty when `actual` equals `expected` exactly (NaN equal to NaN), else what differs.
QByteArray floatsDiffer(const std::vector<float>& actual, const std::vector<float>& expected)
{
    if (actual.size() != expected.size())
        return QByteArray::number(qsizetype(actual.size())) + " values, expected "
                + QByteArray::number(qsizetype(expected.size()));
    for (size_t k = 0; k < actual.size(); ++k)
        if (!(actual[k] == expected[k] || (std::isnan(actual[k]) && std::isnan(expected[k]))))
            return "value " + QByteArray::number(qsizetype(k)) + " is "
                    + QByteArray::number(actual[k], 'g', 9) + ", expected "
                    + QByteArray::number(expected[k], 'g', 9);
    return {};
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

float log1pFloat(float x)
{
    return float(std::log1p(double(x))); // as documented in data/column_transforms.h
}

// A table with every kind of column the errors below name.
data::Dataset mixedTable(const std::string& origin = "train.csv")
{
    data::Dataset set =
            table({ numeric("age", { 30, 40, Nan, 50 }), numeric("income", { 10, 0, 5, 2 }),
                    categorical("city", { "Paris", "Lyon", "", "Paris" }),
                    categorical("size", { "S", "L", "M", "M" }) },
                  origin);
    set.timeColumns.push_back({ "when", { 1, 2, 3, 4 } });
    return set;
}

} // namespace

#define COMPARE_FLOATS(actual, expected)                                                           \
    QVERIFY2(floatsDiffer(actual, expected).isEmpty(), floatsDiffer(actual, expected).constData())

class TestFittedPrep final : public QObject
{
    Q_OBJECT

private slots:
    void encodesCategoriesByTrainingText_data()
    {
        QTest::addColumn<bool>("named");
        QTest::addColumn<EncodeKind>("kind");
        QTest::addColumn<QStringList>("order");
        QTest::addColumn<QStringList>("outputs");
        QTest::addColumn<QList<float>>("expected"); // of test rows Lyon, Paris, Nice, missing

        // Training rows: Paris, Lyon, missing, Paris; the dictionary also names Rome, which no
        // training row holds.
        QTest::newRow("one-hot: a 0/1 column per training category, sorted; unseen and missing "
                      "give zeros")
                << true << EncodeKind::OneHot << QStringList()
                << QStringList { "c=Lyon", "c=Paris" } << QList<float> { 1, 0, 0, 1, 0, 0, 0, 0 };
        QTest::newRow("a categorical column the spec does not name is one-hot encoded")
                << false << EncodeKind::OneHot << QStringList()
                << QStringList { "c=Lyon", "c=Paris" } << QList<float> { 1, 0, 0, 1, 0, 0, 0, 0 };
        QTest::newRow("ordinal: the index in sorted order; unseen and missing give NaN")
                << true << EncodeKind::Ordinal << QStringList() << QStringList { "c" }
                << QList<float> { 0, 1, Nan, Nan };
        QTest::newRow("ordinal: the index in the declared order")
                << true << EncodeKind::Ordinal << QStringList { "Paris", "Lyon" }
                << QStringList { "c" } << QList<float> { 1, 0, Nan, Nan };
        QTest::newRow("ordinal: a declared category unseen in training keeps its index")
                << true << EncodeKind::Ordinal << QStringList { "Nice", "Paris", "Lyon" }
                << QStringList { "c" } << QList<float> { 2, 1, 0, Nan };
    }
    void encodesCategoriesByTrainingText()
    {
        QFETCH(bool, named);
        QFETCH(EncodeKind, kind);
        QFETCH(QStringList, order);
        QFETCH(QStringList, outputs);
        QFETCH(QList<float>, expected);

        const data::Dataset train = table({ categorical("c", { "Paris", "Lyon", "", "Paris" },
                                                        { "Paris", "Rome", "Lyon" }) });
        Spec spec;
        if (named)
            spec.encode("c", kind, strings(order));
        const auto prep = data::FittedPrep::fit(train, spec.value);
        QVERIFY2(prep, prep ? "" : prep.error().message().c_str());
        QCOMPARE(prep->outputColumns(), strings(outputs));

        data::Dataset test =
                table({ categorical("c", { "Lyon", "Paris", "Nice", "" }) }, "test.csv");
        QVERIFY(prep->apply(test));
        COMPARE_FLOATS(test.features, floats(expected));
        QCOMPARE(test.columnNames, strings(outputs));
        QCOMPARE(test.cols, int64_t(outputs.size()));
        QVERIFY(test.columnTypes.empty());
    }

    void imputeFillsAnUnseenOrdinalCategory()
    {
        // Ordinal gives NaN for what training never saw, and impute (fitted on the encoded
        // indices) fills it: here with the most frequent training index, M = 1.
        const data::Dataset train = table({ categorical("size", { "S", "M", "L", "M" }) });
        const auto prep =
                data::FittedPrep::fit(train,
                                      Spec().encode("size", EncodeKind::Ordinal, { "S", "M", "L" })
                                              .impute(ImputeStrategy::MostFrequent)
                                              .value);
        QVERIFY(prep);
        data::Dataset test = table({ categorical("size", { "XL", "", "L" }) }, "test.csv");
        QVERIFY(prep->apply(test));
        COMPARE_FLOATS(test.features, (std::vector<float> { 1, 1, 2 }));
    }

    void matchesCategoriesByTextNotCode()
    {
        // A second read numbers the same texts differently, and its dictionary may name more.
        const data::Dataset train = table({ categorical("c", { "Paris", "Lyon", "Paris" }) });
        for (const EncodeKind kind : { EncodeKind::OneHot, EncodeKind::Ordinal }) {
            const auto prep = data::FittedPrep::fit(train, Spec().encode("c", kind).value);
            QVERIFY(prep);
            const std::vector<std::string> texts { "Lyon", "Nice", "Paris", "" };
            data::Dataset sameCodes =
                    table({ categorical("c", texts, { "Paris", "Lyon", "Nice" }) });
            data::Dataset otherCodes =
                    table({ categorical("c", texts, { "Nice", "Oslo", "Lyon", "Paris" }) });
            QVERIFY(sameCodes.features != otherCodes.features);
            QVERIFY(prep->apply(sameCodes));
            QVERIFY(prep->apply(otherCodes));
            QVERIFY(sameBits(sameCodes.features, otherCodes.features));
        }
    }

    void numericSteps_data()
    {
        QTest::addColumn<Spec>("spec");
        QTest::addColumn<QList<float>>("train");
        QTest::addColumn<QList<float>>("test");
        QTest::addColumn<QList<float>>("expected");

        const auto clip = [](bool quantiles, double lower, double upper) {
            return Spec().clip("x", lower, upper, quantiles);
        };
        const auto bucketize = [](std::vector<double> bounds, int quantiles) {
            return Spec().bucketize("x", std::move(bounds), quantiles);
        };
        QTest::newRow("clip to fixed bounds; NaN stays NaN")
                << clip(false, 0, 8) << QList<float> { -5, 0, 5, 10 }
                << QList<float> { -1, 3, 9, Nan } << QList<float> { 0, 3, 8, Nan };
        QTest::newRow("clip to quantiles of the training values, as numpy.quantile")
                // {1, 2, 3, 4}: q 0.25 at rank 0.75 gives 1.75, q 0.5 at rank 1.5 gives 2.5
                << clip(true, 0.25, 0.5) << QList<float> { 4, Nan, 1, 3, 2 }
                << QList<float> { 0, 2, 10 } << QList<float> { 1.75f, 2, 2.5f };
        QTest::newRow("clip to quantiles 0 and 1 is the training range")
                << clip(true, 0, 1) << QList<float> { 7, -2, 3 } << QList<float> { -9, 0, 9 }
                << QList<float> { -2, 0, 7 };
        QTest::newRow("log: ln(1 + x), so 0 stays 0; NaN stays NaN")
                << Spec().log("x") << QList<float> { 0, 1 }
                << QList<float> { 0, 1, -0.5f, 1e-7f, Nan }
                << QList<float> { 0, log1pFloat(1), log1pFloat(-0.5f), log1pFloat(1e-7f), Nan };
        QTest::newRow("bucketize: bucket k holds b[k-1] <= x < b[k]; x == b[k] goes above")
                << bucketize({ 0, 10 }, 0) << QList<float> { 1 }
                << QList<float> { -1, 0, 5, 9.99f, 10, 11, Nan }
                << QList<float> { 0, 1, 1, 1, 2, 2, Nan };
        QTest::newRow("bucketize: quantile buckets of the training values")
                // {1..8}: bounds at ranks 1.75, 3.5, 5.25 are 2.75, 4.5, 6.25
                << bucketize({}, 4) << QList<float> { 8, 7, 6, 5, 4, 3, 2, 1 }
                << QList<float> { 1, 2.75f, 3, 4.5f, 6, 6.25f, 100 }
                << QList<float> { 0, 1, 1, 2, 2, 3, 3 };
        QTest::newRow("bucketize: repeated quantiles merge into one bound")
                // {0 x6, 1, 2}: quantiles 0, 0, 0.25 give bounds {0, 0.25}
                << bucketize({}, 4) << QList<float> { 0, 0, 0, 0, 0, 0, 1, 2 }
                << QList<float> { -1, 0, 0.1f, 0.25f, 5 } << QList<float> { 0, 1, 1, 2, 2 };
        QTest::newRow("impute with the training median (data/imputer.h)")
                << Spec().impute(ImputeStrategy::Median) << QList<float> { 1, Nan, 3, 10 }
                << QList<float> { Nan, 2, Nan } << QList<float> { 3, 2, 3 };
        QTest::newRow("impute a constant")
                << Spec().impute(ImputeStrategy::Constant, -1) << QList<float> { 1 }
                << QList<float> { Nan, 2 } << QList<float> { -1, 2 };
        QTest::newRow("scale min-max to the training range (data/normalizer.h)")
                << Spec().scale(ScaleKind::MinMax) << QList<float> { 2, 4, 6 }
                << QList<float> { 4, 8, 0 } << QList<float> { 0.5f, 1.5f, -0.5f };
        QTest::newRow("scale standardize with the training mean and deviation")
                << Spec().scale(ScaleKind::Standardize) << QList<float> { 1, 3 }
                << QList<float> { 0, 2, 5 } << QList<float> { -2, 0, 3 };
    }
    void numericSteps()
    {
        QFETCH(Spec, spec);
        QFETCH(QList<float>, train);
        QFETCH(QList<float>, test);
        QFETCH(QList<float>, expected);

        const data::Dataset trainSet = table({ numeric("x", floats(train)) });
        const auto prep = data::FittedPrep::fit(trainSet, spec.value);
        QVERIFY2(prep, prep ? "" : prep.error().message().c_str());
        QCOMPARE(prep->outputColumns(), std::vector<std::string> { "x" });
        data::Dataset testSet = table({ numeric("x", floats(test)) }, "test.csv");
        QVERIFY(prep->apply(testSet));
        COMPARE_FLOATS(testSet.features, floats(expected));
    }

    void stepsRunInOrder()
    {
        // impute 99 -> clip [0, 9] -> log -> bucketize {1, 2} -> min-max scale
        const Spec spec = Spec().impute(ImputeStrategy::Constant, 99)
                                  .clip("x", 0, 9)
                                  .log("x")
                                  .bucketize("x", { 1, 2 })
                                  .scale(ScaleKind::MinMax);
        // NaN -> 99 -> 9 -> ln 10 = 2.3 -> 2; 0 -> 0 -> 0; 3 -> ln 4 = 1.39 -> 1; 100 -> 9 -> 2
        data::Dataset train = table({ numeric("x", { Nan, 0, 3, 100 }) });
        const auto prep = data::FittedPrep::fit(train, spec.value);
        QVERIFY(prep);
        QVERIFY(prep->apply(train));
        COMPARE_FLOATS(train.features, (std::vector<float> { 1, 0, 0.5f, 1 }));
    }

    void fitsOnTheTrainingDataOnly()
    {
        // Every fitted statistic comes from train: applying to the test rows all at once or one
        // by one gives the same values, which train's statistics predict.
        const data::Dataset train =
                table({ numeric("x", { 1, 3, Nan, 5 }), categorical("c", { "a", "b", "a", "a" }) });
        const Spec spec =
                Spec().impute(ImputeStrategy::Mean).clip("x", 0, 1, true).scale(ScaleKind::MinMax);
        const auto prep = data::FittedPrep::fit(train, spec.value);
        QVERIFY(prep);
        const std::vector<float> testX { Nan, 100, -100, 2 };
        const std::vector<std::string> testC { "z", "b", "a", "z" };
        data::Dataset all = table({ numeric("x", testX), categorical("c", testC) }, "test.csv");
        QVERIFY(prep->apply(all));
        // x: NaN -> mean 3, clipped to [1, 5], then (x - 1) / 4; c: z unseen, so all zeros
        COMPARE_FLOATS(all.features,
                       (std::vector<float> { 0.5f, 0, 0, 1, 0, 1, 0, 1, 0, 0.25f, 0, 0 }));
        for (size_t i = 0; i < testX.size(); ++i) {
            data::Dataset one =
                    table({ numeric("x", { testX[i] }), categorical("c", { testC[i] }) });
            QVERIFY(prep->apply(one));
            QVERIFY(sameBits(one.features,
                             std::vector<float>(all.row(int64_t(i)), all.row(int64_t(i)) + 3)));
        }
    }

    void matchesColumnsByName()
    {
        const data::Dataset train = table({ numeric("a", { 1, 2 }), categorical("c", { "x", "y" }),
                                            numeric("b", { 10, 20 }) });
        const auto prep = data::FittedPrep::fit(train, {});
        QVERIFY(prep);
        QCOMPARE(prep->outputColumns(), (std::vector<std::string> { "a", "c=x", "c=y", "b" }));
        // Other order, an extra column (ignored) and a time column (dropped).
        data::Dataset test = table({ numeric("b", { 30 }), numeric("extra", { 7 }),
                                     categorical("c", { "y" }), numeric("a", { 3 }) },
                                   "test.csv");
        test.timeColumns.push_back({ "when", { 42 } });
        test.sampleShape = { 4 };
        QVERIFY(prep->apply(test));
        COMPARE_FLOATS(test.features, (std::vector<float> { 3, 0, 1, 30 }));
        QCOMPARE(test.columnNames, prep->outputColumns());
        QCOMPARE(test.cols, int64_t(4));
        QVERIFY(test.timeColumns.empty());
        QVERIFY(test.sampleShape.empty());
    }

    void keepsLabelsAndClassNames()
    {
        data::Dataset train = mixedTable();
        train.labels = { 0, 1, 1, 0 };
        const auto prep = data::FittedPrep::fit(train, {});
        QVERIFY(prep);
        QCOMPARE(prep->classNames(), (std::vector<std::string> { "no", "yes" }));
        QVERIFY(prep->apply(train));
        QCOMPARE(train.labels, (std::vector<float> { 0, 1, 1, 0 }));
        QCOMPARE(train.classCount, int64_t(2));
        QCOMPARE(train.classNames, (std::vector<std::string> { "no", "yes" }));
        QCOMPARE(train.rows, int64_t(4));
    }

    void imageKeepsItsShape()
    {
        // An IDX read: two 2x2 grey images, no column names, NHWC shape.
        data::Dataset images;
        images.rows = 2;
        images.cols = 4;
        images.features = { 0, 255, Nan, 51, 102, 0, 255, 0 };
        images.sampleShape = { 2, 2, 1 };
        images.labels = { 3, 7 };
        images.classCount = 10;
        images.origin = "train-images.gz";
        const Spec spec = Spec().impute(ImputeStrategy::Constant, 0).scale(ScaleKind::Unit);
        const auto prep = data::FittedPrep::fit(images, spec.value);
        QVERIFY(prep);
        QCOMPARE(prep->outputColumns(), (std::vector<std::string> { "f0", "f1", "f2", "f3" }));
        QVERIFY(prep->apply(images));
        QCOMPARE(images.sampleShape, (std::vector<int64_t> { 2, 2, 1 }));
        QCOMPARE(images.cols, int64_t(4));
        const float unit = float(1.0 / 255.0);
        COMPARE_FLOATS(
                images.features,
                (std::vector<float> { 0, 255 * unit, 0, 51 * unit, 102 * unit, 0, 255 * unit, 0 }));
        QCOMPARE(images.labels, (std::vector<float> { 3, 7 }));
    }

    void rejectsSpecsThatDoNotFitTheTrainingData_data()
    {
        QTest::addColumn<Spec>("spec");
        QTest::addColumn<QString>("message");

        QTest::newRow("a misspelt column: did you mean")
                << Spec().clip("incom", 0, 1)
                << "clip.incom: no column 'incom' in train.csv (did you mean 'income'?)";
        QTest::newRow("an unknown column with nothing close")
                << Spec().log("zzz") << "log.zzz: no column 'zzz' in train.csv";
        QTest::newRow("a time column is no feature")
                << Spec().clip("when", 0, 1)
                << "clip.when: 'when' is a timestamp column of train.csv, not a feature";
        QTest::newRow("a numeric step on a categorical column")
                << Spec().bucketize("city", { 1 })
                << "bucketize.city: column 'city' is categorical; bucketize takes a numeric "
                   "column (encode turns categories into numbers)";
        QTest::newRow("encode on a numeric column")
                << Spec().encode("age", EncodeKind::Ordinal)
                << "encode.age: column 'age' is numeric; encode takes a categorical column";
        QTest::newRow("a column named twice in one step")
                << Spec().log("age").log("age") << "log.age: 'age' is named twice";
        QTest::newRow("an ordinal order that misses a training category")
                << Spec().encode("size", EncodeKind::Ordinal, { "S", "M" })
                << "encode.size: order misses 'L', seen in training; add it to the order";
        QTest::newRow("an ordinal order that misses several")
                << Spec().encode("size", EncodeKind::Ordinal, { "M" })
                << "encode.size: order misses 'L', 'S', all seen in training; add them to the "
                   "order";
        QTest::newRow("an ordinal order that names a category twice")
                << Spec().encode("size", EncodeKind::Ordinal, { "S", "M", "S", "L" })
                << "encode.size: order lists 'S' twice";
        QTest::newRow("an order for one-hot")
                << Spec().encode("size", EncodeKind::OneHot, { "S" })
                << "encode.size: order is for ordinal encoding; one_hot columns are sorted";
        QTest::newRow("clip bounds the wrong way round")
                << Spec().clip("age", 5, 1)
                << "clip.age: lower 5 and upper 1 must satisfy lower <= upper";
        QTest::newRow("clip quantiles outside [0, 1]")
                << Spec().clip("age", 0.5, 2, true)
                << "clip.age: lower 0.5 and upper 2 must satisfy 0 <= lower <= upper <= 1";
        QTest::newRow("bucketize bounds not ascending")
                << Spec().bucketize("age", { 1, 3, 3 })
                << "bucketize.age: bounds must be strictly ascending numbers; bound 3 is 3";
        QTest::newRow("bucketize with bounds and quantiles")
                << Spec().bucketize("age", { 1 }, 4)
                << "bucketize.age: give bounds or quantiles, not both";
        QTest::newRow("bucketize into one quantile")
                << Spec().bucketize("age", {}, 1)
                << "bucketize.age: quantiles must be at least 2 (or give bounds), not 1";
        QTest::newRow("log of a value <= -1 names the row")
                << Spec().clip("income", -1, 100).log("income")
                << "log.income: row 2 of train.csv holds -1, and ln(1 + x) needs x > -1; clip the "
                   "column above -1 first";
        QTest::newRow("quantiles of a column without values")
                << Spec().clip("empty", 0, 1, true)
                << "clip.empty: every training value is missing, so there are no quantiles to fit";
    }
    void rejectsSpecsThatDoNotFitTheTrainingData()
    {
        QFETCH(Spec, spec);
        QFETCH(QString, message);

        data::Dataset train =
                table({ numeric("age", { 30, 40, Nan, 50 }), numeric("income", { 10, -3, 5, 2 }),
                        categorical("city", { "Paris", "Lyon", "", "Paris" }),
                        categorical("size", { "S", "L", "M", "M" }),
                        numeric("empty", { Nan, Nan, Nan, Nan }) });
        train.timeColumns.push_back({ "when", { 1, 2, 3, 4 } });
        const std::vector<float> before = train.features;
        const auto prep = data::FittedPrep::fit(train, spec.value);
        QVERIFY(!prep);
        QCOMPARE(prep.error().kind(), common::ErrorKind::InvalidInput);
        QCOMPARE(QString::fromStdString(prep.error().message()), message);
        QVERIFY(sameBits(train.features, before));
    }

    void rejectsDataItWasNotFittedOn_data()
    {
        QTest::addColumn<QString>("change");
        QTest::addColumn<QString>("message");

        QTest::newRow("a missing column names it and the data")
                << "rename income"
                << "test.csv: no column 'income', which the prep was fitted "
                   "on (did you mean 'Income'?)";
        QTest::newRow("a column of another kind")
                << "city numeric"
                << "test.csv: column 'city' is numeric, but the prep was fitted "
                   "on it as categorical";
        QTest::newRow("a log domain error names the row of the data")
                << "income -3"
                << "log.income: row 3 of test.csv holds -3, and ln(1 + x) needs "
                   "x > -1; clip the column above -1 first";
    }
    void rejectsDataItWasNotFittedOn()
    {
        QFETCH(QString, change);
        QFETCH(QString, message);

        const Spec spec =
                Spec().impute(ImputeStrategy::Median).log("income").scale(ScaleKind::Standardize);
        const auto prep = data::FittedPrep::fit(mixedTable(), spec.value);
        QVERIFY(prep);
        data::Dataset test = mixedTable("test.csv");
        test.sampleShape = { 4 };
        if (change == "rename income")
            test.columnNames[1] = "Income";
        else if (change == "city numeric")
            test.columnTypes[2] = {};
        else
            test.features[2 * 4 + 1] = -3;
        const data::Dataset before = test;

        const common::Result applied = prep->apply(test);
        QVERIFY(!applied);
        QCOMPARE(applied.error().kind(), common::ErrorKind::InvalidInput);
        QCOMPARE(QString::fromStdString(applied.error().message()), message);
        // Unchanged on failure.
        QVERIFY(sameBits(test.features, before.features));
        QCOMPARE(test.cols, before.cols);
        QCOMPARE(test.columnNames, before.columnNames);
        QCOMPARE(test.columnTypes.size(), before.columnTypes.size());
        QCOMPARE(test.columnTypes[3].categories, before.columnTypes[3].categories);
        QCOMPARE(test.timeColumns.size(), size_t(1));
        QCOMPARE(test.sampleShape, before.sampleShape);
    }

    void roundTripGivesTheSameBits()
    {
        // Every step, with quantiles and standardisation, so that the stored numbers are not
        // round decimals.
        const auto raw = [](const std::string& origin, bool otherCodes) {
            std::vector<std::string> cities {
                "Paris", "Lyon", "", "Paris", "Nice", "Lyon", "Paris"
            };
            return table({ numeric("age", { 31.3f, 47.9f, Nan, 22.1f, 65.7f, 38.2f, 29.9f }),
                           categorical("city", cities,
                                       otherCodes ? std::vector<std::string> { "Nice", "Lyon",
                                                                               "Oslo", "Paris" }
                                                  : std::vector<std::string> {}),
                           numeric("income", { 0.3f, 7.1f, 2.9f, Nan, 13.7f, 0.01f, 5.5f }),
                           categorical("size", { "M", "S", "L", "M", "", "S", "XL" }) },
                         origin);
        };
        const Spec spec = Spec().encode("size", EncodeKind::Ordinal, { "S", "M", "L", "XL" })
                                  .impute(ImputeStrategy::Mean)
                                  .clip("age", 0.1, 0.9, true)
                                  .log("income")
                                  .bucketize("income", {}, 3)
                                  .scale(ScaleKind::Standardize);
        data::Dataset train = raw("train.csv", false);
        const data::Dataset rawTrain = train;
        const auto fitted = data::FittedPrep::fit(train, spec.value);
        QVERIFY2(fitted, fitted ? "" : fitted.error().message().c_str());
        QVERIFY(sameBits(train.features, rawTrain.features)); // fit leaves train alone
        QVERIFY(fitted->apply(train));

        const std::string json = fitted->toJson();
        const auto restored = data::FittedPrep::fromJson(json);
        QVERIFY2(restored, restored ? "" : restored.error().message().c_str());
        QCOMPARE(restored->toJson(), json);
        QCOMPARE(restored->outputColumns(), fitted->outputColumns());
        QCOMPARE(restored->classNames(), fitted->classNames());
        data::FittedPrep copy;
        copy = *restored;
        QCOMPARE(copy.toJson(), json);

        for (const bool otherCodes : { false, true }) {
            data::Dataset fresh = raw("served.csv", otherCodes);
            QVERIFY(restored->apply(fresh));
            QVERIFY(sameBits(fresh.features, train.features));
            QCOMPARE(fresh.columnNames, train.columnNames);
        }
    }

    void roundTripKeepsNanAndInfinity()
    {
        // JSON has neither: NaN is stored as null, infinities as "inf" and "-inf".
        const data::Dataset train = table({ numeric("x", { 1, 2 }), numeric("y", { 3, Nan }) });
        const Spec spec = Spec().impute(ImputeStrategy::Constant, Nan)
                                  .clip("x", -Inf, 1.5)
                                  .scale(ScaleKind::Standardize);
        const auto fitted = data::FittedPrep::fit(train, spec.value);
        QVERIFY(fitted);
        const std::string json = fitted->toJson();
        QVERIFY2(json.find("null") != std::string::npos, json.c_str());
        QVERIFY2(json.find("\"-inf\"") != std::string::npos, json.c_str());
        const auto restored = data::FittedPrep::fromJson(json);
        QVERIFY2(restored, restored ? "" : restored.error().message().c_str());
        QCOMPARE(restored->toJson(), json);
        data::Dataset a = train;
        data::Dataset b = train;
        QVERIFY(fitted->apply(a));
        QVERIFY(restored->apply(b));
        QVERIFY(sameBits(a.features, b.features));
        QCOMPARE(a.features[0], -1.0f); // x: 1, 1.5 clipped, standardised; y: all NaN
        QVERIFY(std::isnan(a.features[1]));
    }

    void fromJsonRejectsCorruptDocuments_data()
    {
        QTest::addColumn<QString>("from"); // replaced in the valid document below; empty: all
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("message"); // a final "..." stands for the rest

        QTest::newRow("truncated") << "\"outputs\""
                                   << ""
                                   << "not valid JSON: parse error at line 1, column ...";
        QTest::newRow("not an object") << ""
                                       << "[1, 2]"
                                       << "document: must be an object";
        QTest::newRow("another version") << "\"version\": 1"
                                         << "\"version\": 2"
                                         << "version: 2 is not a version this build reads (1)";
        QTest::newRow("no version") << "\"version\": 1, "
                                    << ""
                                    << "version: missing";
        QTest::newRow("an input kind that does not exist")
                << "\"numeric\""
                << "\"text\""
                << "inputs[0].kind: 'text' is none of numeric, categorical";
        QTest::newRow("bounds not ascending") << "[1, 2]"
                                              << "[2, 1]"
                                              << "steps[2].bounds: must be strictly ascending, "
                                                 "but bounds[1] = 1 follows 2";
        QTest::newRow("a bound that is no number")
                << "[1, 2]"
                << "[1, \"two\"]"
                << "steps[2].bounds[1]: must be a number, null (NaN), \"inf\" or \"-inf\"";
        QTest::newRow("a NaN bound") << "[1, 2]"
                                     << "[1, null]"
                                     << "steps[2].bounds[1]: must be a number, not NaN";
        QTest::newRow("clip bounds the wrong way round") << "\"upper\": 5"
                                                         << "\"upper\": -2"
                                                         << "steps[1].upper: -2 is below lower -1";
        QTest::newRow("scale offsets of the wrong size")
                << "\"offsets\": [0, 0, 0]"
                << "\"offsets\": [0, 0]"
                << "steps[3].offsets: 3 values expected, not 2";
        QTest::newRow("a one-hot category listed twice")
                << "[\"a\", \"b\"]"
                << "[\"a\", \"a\"]"
                << "steps[0].categories: 'a' appears twice";
        QTest::newRow("outputs that disagree with the encoding")
                << "\"c=b\"]"
                << "\"c=z\"]"
                << "outputs[2]: 'c=z', but the inputs and their encoding give 'c=b'";
        QTest::newRow("an unknown step")
                << "\"step\": \"bucketize\""
                << "\"step\": \"bucketise\""
                << "steps[2].step: unknown step 'bucketise'; the steps are encode, impute, clip, "
                   "log, bucketize and scale";
        QTest::newRow("steps out of order")
                << "\"step\": \"scale\""
                << "\"step\": \"clip\""
                << "steps[3].step: 'clip' after 'bucketize'; the steps run in the order encode, "
                   "impute, clip, log, bucketize, scale, with one impute and one scale at most";
        QTest::newRow("a categorical input without its encode step")
                << "{\"step\": \"encode\", \"column\": \"c\", \"kind\": \"one_hot\", "
                   "\"categories\": [\"a\", \"b\"]}, "
                << ""
                << "steps: no encode step for the categorical input 'c'";
        QTest::newRow("a second scale step")
                << "\"factors\": [1, 1, 1]}"
                << "\"factors\": [1, 1, 1]}, {\"step\": \"scale\"}"
                << "steps[4].step: 'scale' after 'scale'; the steps run in the order encode, "
                   "impute, clip, log, bucketize, scale, with one impute and one scale at most";
        QTest::newRow("a column and a one-hot category of the same name")
                << "{\"name\": \"x\", \"kind\": \"numeric\"}"
                << "{\"name\": \"c=a\", \"kind\": \"numeric\"}, {\"name\": \"x\", \"kind\": "
                   "\"numeric\"}"
                << "steps: two encoded columns would be named 'c=a'";
        QTest::newRow("impute fills of the wrong size")
                << "{\"step\": \"clip\""
                << "{\"step\": \"impute\", \"strategy\": \"mean\", \"fills\": [1]}, {\"step\": "
                   "\"clip\""
                << "steps[1].fills: 3 values expected, not 1";
        QTest::newRow("a step on a column that is no input")
                << "\"column\": \"x\", \"lower\""
                << "\"column\": \"y\", \"lower\""
                << "steps[1].column: 'y' is not a numeric input";
    }
    void fromJsonRejectsCorruptDocuments()
    {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, message);

        const QString valid =
                "{\"version\": 1, \"inputs\": [{\"name\": \"x\", \"kind\": \"numeric\"}, "
                "{\"name\": \"c\", \"kind\": \"categorical\"}], \"steps\": ["
                "{\"step\": \"encode\", \"column\": \"c\", \"kind\": \"one_hot\", "
                "\"categories\": [\"a\", \"b\"]}, "
                "{\"step\": \"clip\", \"column\": \"x\", \"lower\": -1, \"upper\": 5}, "
                "{\"step\": \"bucketize\", \"column\": \"x\", \"bounds\": [1, 2]}, "
                "{\"step\": \"scale\", \"kind\": \"min-max\", \"offsets\": [0, 0, 0], "
                "\"factors\": [1, 1, 1]}], "
                "\"outputs\": [\"x\", \"c=a\", \"c=b\"], \"classNames\": []}";
        QVERIFY(data::FittedPrep::fromJson(valid.toStdString()));
        QString corrupt = valid;
        if (from.isEmpty())
            corrupt = to;
        else if (to.isEmpty() && from == "\"outputs\"")
            corrupt = valid.left(valid.indexOf(from)); // cut short
        else
            corrupt.replace(from, to);
        QVERIFY(corrupt != valid);

        const auto prep = data::FittedPrep::fromJson(corrupt.toStdString());
        QVERIFY(!prep);
        QCOMPARE(prep.error().kind(), common::ErrorKind::Corrupt);
        const QString actual = QString::fromStdString(prep.error().message());
        if (message.endsWith("..."))
            QCOMPARE(actual.left(message.size() - 3), message.chopped(3));
        else
            QCOMPARE(actual, message);
    }
};

QTEST_APPLESS_MAIN(TestFittedPrep)
#include "tst_fitted_prep.moc"
