// trainstudio-cli on typed tables: the shipped catalogue example (text, times, missing values,
// class names, every fitted transform) end to end, its stored prep and parameters, and the
// preview of its categories.
#include "cli_process.h"
#include "store/experiment_store.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace ts;
using test::runCli;

namespace {

const QString Catalogue =
        QStringLiteral(TS_SOURCE_DIR "/resources/pipelines/fashion-catalogue.json");

} // namespace

class TstCliTables : public QObject
{
    Q_OBJECT

private slots:
    void catalogueExampleRuns()
    {
        const QString store = m_dir.path() + "/catalogue.sqlite";
        const auto o = runCli({ "run", Catalogue, "--store", store, "--json" }, m_dir.path());
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        const QJsonObject result = QJsonDocument::fromJson(o.out.toUtf8()).object();
        QCOMPARE(result["status"].toString(), QString("finished"));
        // 10 classes from 14 crude shape features: far above chance (0.1).
        const double accuracy = result["metrics"].toObject()["test_accuracy"].toDouble();
        QVERIFY2(accuracy > 0.6, qPrintable(QString("test accuracy %1").arg(accuracy)));

        const auto show = runCli({ "runs", "show", "1", "--store", store, "--json" }, m_dir.path());
        const QJsonObject params =
                QJsonDocument::fromJson(show.out.toUtf8()).object()["params"].toObject();
        QCOMPARE(params["source.format"].toString(), QString("csv"));
        QCOMPARE(params["source.split.timeColumn"].toString(), QString("listed"));
        QCOMPARE(params["prep.encode.shade"].toString(), QString("one_hot"));
        QCOMPARE(params["prep.encode.outline"].toString(), QString("ordinal"));
        QCOMPARE(params["prep.log.ink_px"].toString(), QString("log1p"));
        QCOMPARE(params["prep.bucketize.height_px"].toString(), QString("14 21 27"));
        QCOMPARE(params["data.trainRows"].toString(), QString("2400"));
        // 3 one-hot shades + 11 other columns (the time column is no feature).
        QCOMPARE(params["data.features"].toString(), QString("14"));

        auto opened = store::ExperimentStore::open(store.toStdString());
        QVERIFY(opened);
        auto prep = (*opened)->fittedPrep(1);
        QVERIFY2(prep, prep ? "" : prep.error().message().c_str());
        const QJsonObject document =
                QJsonDocument::fromJson(QByteArray::fromStdString(*prep)).object();
        QVERIFY(document["steps"].toArray().size() >= 6);
        auto stats = (*opened)->datasetStats(1, "train");
        QVERIFY(stats);
        QCOMPARE(stats->features[0].name, std::string("shade"));
        QCOMPARE(stats->features[0].categories,
                 (std::vector<std::string> { "dark", "light", "medium" }));
        QCOMPARE(stats->features[0].missing, int64_t(27));
    }

    // A time split puts the latest rows in the test set: the last 600 of the 3,000 listed 2 h
    // apart, so no training row is later than a test row.
    void previewShowsCategoriesAndClassNames()
    {
        const auto o = runCli({ "data", "preview", Catalogue, "--rows", "2" }, m_dir.path());
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QVERIFY2(o.out.contains("shade=dark"), qPrintable(o.out));
        QVERIFY2(o.out.contains("3 categories, most often 'medium'"), qPrintable(o.out));
        QVERIFY2(o.out.contains("T-shirt/top"), qPrintable(o.out));
        QVERIFY2(o.out.contains("2400 training rows, 600 test rows, 14 features"),
                 qPrintable(o.out));
    }

    void sampledAndShardedSource()
    {
        QFile source(Catalogue);
        QVERIFY(source.open(QIODevice::ReadOnly));
        QByteArray text = source.readAll();
        text.replace(R"("columns": {)",
                     R"("sample": { "rows": 1000, "seed": 5 }, "shard": { "rank": 0, "count": 2 },
                        "columns": {)");
        text.replace(R"("../data/fashion-catalogue.csv")",
                     "\"" TS_SOURCE_DIR "/resources/data/fashion-catalogue.csv\"");
        const QString path = m_dir.path() + "/sampled.json";
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(text);
        out.close();
        const auto o = runCli({ "data", "preview", path, "--json" }, m_dir.path());
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        const QJsonObject preview = QJsonDocument::fromJson(o.out.toUtf8()).object();
        // 1,000 rows of shard 0, 20 % of them held out.
        QCOMPARE(preview["trainRows"].toInt() + preview["testRows"].toInt(), 1000);
        QCOMPARE(preview["testRows"].toInt(), 200);
    }

    // Images are read whole, then the same selection keeps rank 0's half of the training set;
    // the test set is read whole.
    void imageSourceShard()
    {
        QFile source(TS_SOURCE_DIR "/resources/pipelines/quickstart.json");
        QVERIFY(source.open(QIODevice::ReadOnly));
        QByteArray text = source.readAll();
        text.replace(R"("format": "idx",)",
                     R"("format": "idx", "shard": { "rank": 0, "count": 2, "seed": 1 },)");
        const QString path = m_dir.path() + "/shard.json";
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(text);
        out.close();
        const auto o = runCli({ "data", "preview", path, "--json", "--rows", "0" }, m_dir.path());
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        const QJsonObject preview = QJsonDocument::fromJson(o.out.toUtf8()).object();
        const int train = preview["trainRows"].toInt();
        QVERIFY2(train > 29500 && train < 30500, qPrintable(QString::number(train)));
        QCOMPARE(preview["testRows"].toInt(), 10000);
    }

    void badTypedInputs_data()
    {
        QTest::addColumn<QByteArray>("csv");
        QTest::addColumn<QString>("columns");
        QTest::addColumn<QString>("message");
        QTest::newRow("text in a declared numeric column")
                << QByteArray("n,label\n1,a\nfive,b\n") << R"({ "n": "numeric" })"
                << "/bad.csv:3, column 'n' (field 1): 'five' is not a number";
        QTest::newRow("a bad time in a declared time column")
                << QByteArray("day,n,label\n2024-01-01,1,a\n2024-02-30,2,b\n")
                << R"({ "day": "timestamp" })"
                << "/bad.csv:3, column 'day' (field 1): '2024-02-30' is not a time";
        QTest::newRow("a type for a column the file lacks")
                << QByteArray("n,label\n1,a\n") << R"({ "m": "numeric" })"
                << "/bad.csv: a type is declared for column 'm', which the file does not have";
    }
    void badTypedInputs()
    {
        QFETCH(QByteArray, csv);
        QFETCH(QString, columns);
        QFETCH(QString, message);
        const QString d = m_dir.path();
        QFile data(d + "/bad.csv");
        QVERIFY(data.open(QIODevice::WriteOnly));
        data.write(csv);
        data.close();
        QFile pipeline(d + "/bad.json");
        QVERIFY(pipeline.open(QIODevice::WriteOnly));
        pipeline.write(QString(R"({ "trainstudio": 1, "name": "bad", "stages": [
            { "source": { "format": "csv", "train": { "file": "bad.csv" }, "columns": %1,
                          "split": { "test": 0.5 } } },
            { "train": { "model": { "type": "mlp", "hidden": [4] },
                         "optimizer": { "type": "sgd", "learningRate": 0.1 } } } ] })")
                               .arg(columns)
                               .toUtf8());
        pipeline.close();
        const QString store = d + "/never.sqlite";
        const auto o = runCli({ "run", d + "/bad.json", "--store", store }, d);
        QCOMPARE(o.exitCode, 2);
        QCOMPARE(o.err.count('\n'), 1); // one line
        QVERIFY2(o.err.contains(d + message), qPrintable(o.err));
        QVERIFY(!QFile::exists(store)); // nothing stored
    }

    // A fitted transform that cannot be fitted stops the run before the store, in one line
    // naming the step, the column and what is wrong.
    void badPrep_data()
    {
        QTest::addColumn<QString>("prep");
        QTest::addColumn<QString>("message");
        QTest::newRow("clip of an unknown column")
                << R"("clip": { "nn": [0, 1] })"
                << "stages.prep: clip.nn: no column 'nn' in %1/prep.csv (training split) (did "
                   "you mean 'n'?)";
        QTest::newRow("log of a value below -1")
                << R"("log": ["n"])"
                << "stages.prep: log.n: row 1 of %1/prep.csv (training split) holds -2, and "
                   "ln(1 + x) needs x > -1; clip the column above -1 first";
        QTest::newRow("one-hot of a numeric column")
                << R"("encode": { "n": "one_hot" })"
                << "stages.prep: encode.n: column 'n' is numeric; encode takes a categorical "
                   "column";
        QTest::newRow("buckets of a text column")
                << R"("bucketize": { "c": [1, 2] })"
                << "stages.prep: bucketize.c: column 'c' is categorical; bucketize takes a "
                   "numeric column (encode turns categories into numbers)";
        QTest::newRow("an ordinal order missing a category")
                << R"("encode": { "c": { "ordinal": ["a"] } })"
                << "stages.prep: encode.c: order misses 'b', seen in training; add it to the "
                   "order";
    }
    void badPrep()
    {
        QFETCH(QString, prep);
        QFETCH(QString, message);
        const QString d = m_dir.path();
        QFile data(d + "/prep.csv");
        QVERIFY(data.open(QIODevice::WriteOnly));
        data.write("n,c,label\n-2,a,x\n-2,b,y\n3,a,x\n4,b,y\n-2,a,x\n-2,b,y\n");
        data.close();
        QFile pipeline(d + "/prep.json");
        QVERIFY(pipeline.open(QIODevice::WriteOnly));
        pipeline.write(QString(R"({ "trainstudio": 1, "name": "prep", "stages": [
            { "source": { "format": "csv", "train": { "file": "prep.csv" },
                          "split": { "test": 0.5, "method": "stratified" } } },
            { "prep": { %1 } },
            { "train": { "model": { "type": "mlp", "hidden": [4] },
                         "optimizer": { "type": "sgd", "learningRate": 0.1 } } } ] })")
                               .arg(prep)
                               .toUtf8());
        pipeline.close();
        const QString store = d + "/never.sqlite";
        const auto o = runCli({ "run", d + "/prep.json", "--store", store }, d);
        QCOMPARE(o.exitCode, 2);
        QCOMPARE(o.err.count('\n'), 1);
        QVERIFY2(o.err.contains(message.arg(d)), qPrintable(o.err));
        QVERIFY(!QFile::exists(store));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TstCliTables)

#include "tst_cli_tables.moc"
