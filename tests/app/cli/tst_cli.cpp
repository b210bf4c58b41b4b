// trainstudio-cli as a user meets it: real processes, real files, exit codes and messages.
#include <QtTest/QTest>

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>

#include "store/experiment_store.h"

#include <zlib.h>

#include <algorithm>
#include <csignal> // for SIGINT

namespace {

struct Outcome
{
    int exitCode = -1;
    QString out;
    QString err;
};

const QString Cli = QStringLiteral(TS_BINARY_DIR "/bin/trainstudio-cli");

Outcome runCli(const QStringList& args, const QString& home)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_DATA_HOME", home + "/xdg"); // never touch the real user store
    p.setProcessEnvironment(env);
    p.start(Cli, args);
    if (!p.waitForFinished(120000))
        return {};
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
             QString::fromUtf8(p.readAllStandardOutput()),
             QString::fromUtf8(p.readAllStandardError()) };
}

void writeFile(const QString& path, const QByteArray& bytes)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

// A CSV pipeline over two separable blobs: label 1 when x0 + x1 > 10.
QByteArray csvPipeline(const QString& train, const QString& test, const QString& model = "mlp")
{
    return QStringLiteral(R"({
  "trainstudio": 1, "name": "blobs", "experiment": "cli-tests",
  "stages": [
    { "source": { "format": "csv", "train": { "file": "%1" }, "test": { "file": "%2" } } },
    { "prep": { "scale": "standardize" } },
    { "train": { "model": { "type": "%3", "hidden": [8] },
                 "optimizer": { "type": "sgd", "learningRate": 0.1, "momentum": 0.9 },
                 "epochs": 20, "batchSize": 8, "seed": 1, "device": "cpu", "logEvery": 5 } },
    { "evaluate": {} }
  ]
})")
            .arg(train, test, model)
            .toUtf8();
}

QByteArray blobsCsv(int rows, int seed)
{
    QByteArray csv = "x0,x1,label\n";
    uint32_t state = uint32_t(seed) * 2654435761u + 1;
    for (int i = 0; i < rows; ++i) {
        state = state * 1664525u + 1013904223u;
        const double x0 = (state >> 8) % 1000 / 100.0;
        state = state * 1664525u + 1013904223u;
        const double x1 = (state >> 8) % 1000 / 100.0;
        csv += QByteArray::number(x0) + ',' + QByteArray::number(x1) + ','
                + (x0 + x1 > 10 ? "1" : "0") + '\n';
    }
    return csv;
}

} // namespace

class TstCli : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void badInput_data();
    void badInput();
    void runStoresARunAndPrintsJson();
    void runsListAndShow();
    void unknownRunIsBadInput();
    void tabularExampleRuns();
    void forestRunSaysItGrewTrees();
    void heldOutSplitAndDerivedColumn();
    void unknownTimeColumnIsBadInput();
    void missingValuesNeedImpute();
    void resumeContinuesACancelledRun();
    void resumeRefuses_data();
    void resumeRefuses();
    void helpSaysWhatIsThere_data();
    void helpSaysWhatIsThere();
    void dataPreviewPrintsRowsAndStatistics();
    void dataPreviewOfABadPipelineIsBadInput();

private:
    QTemporaryDir m_dir;
};

void TstCli::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFile::exists(Cli), qPrintable(Cli + " is not built"));
    const QString d = m_dir.path();
    writeFile(d + "/train.csv", blobsCsv(400, 1));
    writeFile(d + "/test.csv", blobsCsv(100, 2));
    writeFile(d + "/ragged.csv", "x0,x1,label\n1,2,0\n3,4,1\n5,6\n");
    // A valid gzip stream whose content is not IDX: the header check must refuse it.
    gzFile gz = gzopen(qPrintable(d + "/corrupt-images.gz"), "wb");
    static const char garbage[] = "\x12\x34\x56\x78 not an idx file";
    gzwrite(gz, garbage, sizeof garbage - 1);
    gzclose(gz);
    writeFile(d + "/good.json", csvPipeline(d + "/train.csv", d + "/test.csv"));
    // 500 steps per epoch, 30000 in all, a checkpoint every 100: about a second to interrupt in
    // after the first checkpoint.
    writeFile(d + "/big-train.csv", blobsCsv(4000, 3));
    writeFile(d + "/long.json",
              csvPipeline(d + "/big-train.csv", d + "/test.csv")
                      .replace("\"epochs\": 20", "\"epochs\": 60"));
    // A run that never finished and never saved a checkpoint.
    auto store = ts::store::ExperimentStore::open((d + "/no-checkpoint.sqlite").toStdString());
    QVERIFY(store);
    QVERIFY((*store)->createRun({ "cli-tests",
                                  "blobs",
                                  csvPipeline(d + "/train.csv", d + "/test.csv").toStdString(),
                                  "CPU",
                                  {} }));
    writeFile(d + "/unknown-model.json",
              csvPipeline(d + "/train.csv", d + "/test.csv", "transformer"));
    writeFile(d + "/ragged.json", csvPipeline(d + "/ragged.csv", d + "/test.csv"));
    writeFile(d + "/missing-data.json", csvPipeline(d + "/nope.csv", d + "/test.csv"));
    QByteArray idx = R"({ "trainstudio": 1, "name": "bad-idx", "stages": [
        { "source": { "format": "idx",
                      "train": { "images": "corrupt-images.gz", "labels": "corrupt-images.gz" },
                      "test": { "images": "corrupt-images.gz", "labels": "corrupt-images.gz" } } },
        { "train": { "model": { "type": "logistic_regression" },
                     "optimizer": { "type": "sgd" } } } ] })";
    writeFile(d + "/corrupt-idx.json", idx);
}

void TstCli::badInput_data()
{
    QTest::addColumn<QString>("pipeline");
    QTest::addColumn<QString>("expectedInError");
    QTest::newRow("missing pipeline file") << "absent.json"
                                           << "absent.json: cannot open";
    QTest::newRow("unknown model") << "unknown-model.json"
                                   << "stages[2].train.model.type: unknown value 'transformer'";
    QTest::newRow("missing data file") << "missing-data.json"
                                       << "nope.csv";
    QTest::newRow("corrupt IDX header") << "corrupt-idx.json"
                                        << "corrupt-images.gz";
    QTest::newRow("CSV row with a wrong column count") << "ragged.json"
                                                       << "ragged.csv:4";
}

void TstCli::badInput()
{
    QFETCH(QString, pipeline);
    QFETCH(QString, expectedInError);
    const QString store = m_dir.path() + "/bad-input-store.sqlite";
    const Outcome o =
            runCli({ "run", m_dir.path() + "/" + pipeline, "--store", store }, m_dir.path());
    QCOMPARE(o.exitCode, 2);
    const QStringList lines = o.err.trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines[0].startsWith("trainstudio-cli: error: "), qPrintable(lines[0]));
    QVERIFY2(lines[0].contains(expectedInError), qPrintable(lines[0]));
    QVERIFY2(o.out.isEmpty(), qPrintable(o.out));
    // Bad input is found before the store is opened: nothing is written, not even the file.
    QVERIFY(!QFile::exists(store));
}

void TstCli::runStoresARunAndPrintsJson()
{
    const QString store = m_dir.path() + "/store.sqlite";
    const Outcome o = runCli({ "run", m_dir.path() + "/good.json", "--store", store, "--json" },
                             m_dir.path());
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    const QJsonObject result = QJsonDocument::fromJson(o.out.toUtf8()).object();
    QCOMPARE(result["run_id"].toInt(), 1);
    QCOMPARE(result["store"].toString(), store);
    QCOMPARE(result["status"].toString(), QString("finished"));
    QCOMPARE(result["epochs"].toInt(), 20);
    QVERIFY(result["samples_per_second"].toDouble() > 0);
    QVERIFY(result["seconds"].toDouble() > 0);
    const double accuracy = result["metrics"].toObject()["test_accuracy"].toDouble();
    QVERIFY2(accuracy >= 0.9, qPrintable(QString("test accuracy %1").arg(accuracy)));
    QVERIFY(QFile::exists(store));
}

void TstCli::runsListAndShow()
{
    const QString store = m_dir.path() + "/store.sqlite";
    const Outcome list = runCli({ "runs", "list", "--store", store, "--json" }, m_dir.path());
    QCOMPARE(list.exitCode, 0);
    const QJsonArray runs = QJsonDocument::fromJson(list.out.toUtf8()).object()["runs"].toArray();
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].toObject()["experiment"].toString(), QString("cli-tests"));

    const Outcome show = runCli({ "runs", "show", "1", "--store", store, "--json" }, m_dir.path());
    QCOMPARE(show.exitCode, 0);
    const QJsonObject run = QJsonDocument::fromJson(show.out.toUtf8()).object();
    QCOMPARE(run["status"].toString(), QString("finished"));
    QCOMPARE(run["params"].toObject()["batchSize"].toString(), QString("8"));
    QVERIFY(run["metric_names"].toArray().contains(QString("train_loss")));
    QCOMPARE(run["pipeline"].toObject()["name"].toString(), QString("blobs"));
    // The last evaluation's confusion matrix: 2 classes, every one of the 100 test rows counted.
    const QJsonArray matrix = run["confusion_matrix"].toObject()["rows_actual"].toArray();
    QCOMPARE(matrix.size(), 2);
    int counted = 0;
    for (const auto& row : matrix)
        for (const auto& cell : row.toArray())
            counted += cell.toInt();
    QCOMPARE(counted, 100);
    QVERIFY(run["metrics"].toObject().contains("test_f1_class1"));
    QVERIFY(run["metrics"].toObject().contains("test_macro_f1"));

    const Outcome text = runCli({ "runs", "list", "--store", store }, m_dir.path());
    QCOMPARE(text.exitCode, 0);
    QVERIFY2(text.out.contains("blobs") && text.out.contains("finished"), qPrintable(text.out));
    const Outcome shown = runCli({ "runs", "show", "1", "--store", store }, m_dir.path());
    QCOMPARE(shown.exitCode, 0);
    QVERIFY2(shown.out.contains("Confusion matrix (rows: actual class, columns: predicted class)"),
             qPrintable(shown.out));
}

// One CSV, the test rows held out of it (stratified), plus a derived feature.
QByteArray splitPipeline(const QString& train, const QString& split)
{
    QByteArray text = csvPipeline(train, "unused");
    text.replace(R"("test": { "file": "unused" })", ("\"split\": " + split).toUtf8());
    text.replace(R"("scale": "standardize")",
                 R"("scale": "standardize", "derive": ["s = x0 + x1"])");
    return text;
}

void TstCli::heldOutSplitAndDerivedColumn()
{
    const QString d = m_dir.path();
    writeFile(d + "/split.json",
              splitPipeline(d + "/train.csv",
                            R"({ "test": 0.25, "method": "stratified", "seed": 5 })"));
    const QString store = d + "/split.sqlite";
    const Outcome o = runCli({ "run", d + "/split.json", "--store", store, "--json" }, d);
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    const QJsonObject result = QJsonDocument::fromJson(o.out.toUtf8()).object();
    QCOMPARE(result["warnings"].toArray().size(), 0);
    QVERIFY(result["metrics"].toObject()["test_accuracy"].toDouble() >= 0.9);
    const Outcome show = runCli({ "runs", "show", "1", "--store", store, "--json" }, d);
    const QJsonObject params =
            QJsonDocument::fromJson(show.out.toUtf8()).object()["params"].toObject();
    // 400 rows, a quarter held out; stratified rounding works per class (2 classes), so the
    // test split is within one row per class of 100. Features: x0, x1 and the derived s.
    const int trainRows = params["data.trainRows"].toString().toInt();
    const int testRows = params["data.testRows"].toString().toInt();
    QCOMPARE(trainRows + testRows, 400);
    QVERIFY2(testRows >= 100 && testRows <= 102, qPrintable(QString::number(testRows)));
    QCOMPARE(params["data.features"].toString(), QString("3"));
    QCOMPARE(params["prep.derive.0"].toString(), QString("s = x0 + x1"));
    QCOMPARE(params["source.split.method"].toString(), QString("stratified"));
}

void TstCli::unknownTimeColumnIsBadInput()
{
    const QString d = m_dir.path();
    writeFile(d + "/time.json",
              splitPipeline(d + "/train.csv", R"({ "method": "time", "timeColumn": "x9" })"));
    const QString store = d + "/time.sqlite";
    const Outcome o = runCli({ "run", d + "/time.json", "--store", store }, d);
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains("stages.source.split.timeColumn: no column 'x9' in ")
                     && o.err.contains("(did you mean 'x0'?)"),
             qPrintable(o.err));
    QVERIFY(!QFile::exists(store));
}

void TstCli::missingValuesNeedImpute()
{
    const QString d = m_dir.path();
    // Data rows 3, 10 and 17 lose x1: an empty field, NA, a quoted null.
    QList<QByteArray> lines = blobsCsv(400, 1).split('\n');
    for (int row : { 3, 10, 17 }) {
        const QList<QByteArray> fields = lines[row].split(',');
        const QByteArray blank = row == 3 ? "" : row == 10 ? "NA" : "\"null\"";
        lines[row] = fields[0] + ',' + blank + ',' + fields[2];
    }
    writeFile(d + "/holes.csv", lines.join('\n'));
    const QByteArray without = csvPipeline(d + "/holes.csv", d + "/test.csv");
    writeFile(d + "/holes.json", without);
    QByteArray with = without;
    with.replace(R"("scale": "standardize")",
                 R"("scale": "standardize", "impute": { "strategy": "median" })");
    writeFile(d + "/holes-imputed.json", with);

    const QString failingStore = d + "/holes.sqlite";
    const Outcome failed = runCli({ "run", d + "/holes.json", "--store", failingStore }, d);
    QCOMPARE(failed.exitCode, 2);
    QVERIFY2(failed.err.contains("training data (" + d
                                 + "/holes.csv) has 3 missing values in column 'x1' (first at "
                                   "row 3); add prep.impute, e.g. {\"strategy\": \"median\"}"),
             qPrintable(failed.err));
    QVERIFY(!QFile::exists(failingStore));

    const QString store = d + "/holes-imputed.sqlite";
    const Outcome o = runCli({ "run", d + "/holes-imputed.json", "--store", store, "--json" }, d);
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    const Outcome show = runCli({ "runs", "show", "1", "--store", store, "--json" }, d);
    const QJsonObject params =
            QJsonDocument::fromJson(show.out.toUtf8()).object()["params"].toObject();
    QCOMPARE(params["prep.impute"].toString(), QString("median"));
    QCOMPARE(params["data.trainRows"].toString(), QString("400"));
}

// The shipped tabular example: CSV with missing values, a stratified hold-out, derived columns,
// median imputation and an MLP, end to end.
void TstCli::tabularExampleRuns()
{
    const QString store = m_dir.path() + "/tabular.sqlite";
    const Outcome o = runCli({ "run", TS_SOURCE_DIR "/resources/pipelines/fashion-tabular.json",
                               "--store", store, "--json" },
                             m_dir.path());
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    const QJsonObject result = QJsonDocument::fromJson(o.out.toUtf8()).object();
    QCOMPARE(result["status"].toString(), QString("finished"));
    const double accuracy = result["metrics"].toObject()["test_accuracy"].toDouble();
    QVERIFY2(accuracy > 0.6, qPrintable(QString("test accuracy %1").arg(accuracy)));
}

// A random forest from the command line: its progress counts trees, its summary says it grew them.
void TstCli::forestRunSaysItGrewTrees()
{
    QFile file(TS_SOURCE_DIR "/resources/pipelines/fashion-tabular.json");
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    QJsonArray stages = root["stages"].toArray();
    stages[2] = QJsonObject {
        { "train",
          QJsonObject { { "model", QJsonObject { { "type", "random_forest" }, { "trees", 7 } } },
                        { "threads", 2 } } }
    };
    // The copy lives elsewhere: its data file by its absolute path.
    QJsonObject source = stages[0].toObject()["source"].toObject();
    source["train"] =
            QJsonObject { { "file", TS_SOURCE_DIR "/resources/data/fashion-features.csv" } };
    stages[0] = QJsonObject { { "source", source } };
    root["stages"] = stages;
    const QString pipeline = m_dir.path() + "/forest.json";
    writeFile(pipeline, QJsonDocument(root).toJson());
    const Outcome o =
            runCli({ "run", pipeline, "--store", m_dir.path() + "/forest.sqlite" }, m_dir.path());
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    QVERIFY2(o.out.contains("Grew 7 trees in "), qPrintable(o.out));
    QVERIFY2(o.err.contains("tree 7/7 ["), qPrintable(o.err));
    QVERIFY2(!o.err.contains("loss 0.0000"), qPrintable(o.err));
}

void TstCli::unknownRunIsBadInput()
{
    const Outcome o = runCli({ "runs", "show", "99", "--store", m_dir.path() + "/store.sqlite" },
                             m_dir.path());
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains("99"), qPrintable(o.err));
}

void TstCli::resumeContinuesACancelledRun()
{
    const QString store = m_dir.path() + "/resume/store.sqlite";
    const QString checkpoint = m_dir.path() + "/resume/checkpoints/run-1.tsckpt";
    QProcess p;
    p.start(Cli,
            { "run", m_dir.path() + "/long.json", "--store", store, "--checkpoint-every", "100",
              "--json" });
    QVERIFY(p.waitForStarted());
    // Ctrl-C as a user sends it, once the first checkpoint is on disk.
    while (!QFile::exists(checkpoint) && p.state() == QProcess::Running)
        p.waitForFinished(2);
    ::kill(pid_t(p.processId()), SIGINT);
    QVERIFY(p.waitForFinished(120000));
    QVERIFY2(p.exitCode() == 130, qPrintable(p.readAllStandardError()));
    const QJsonObject cancelled = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    QCOMPARE(cancelled["status"].toString(), QString("cancelled"));
    QCOMPARE(cancelled["checkpoint"].toString(), checkpoint);
    const int cancelledAt = cancelled["steps"].toInt();
    QVERIFY2(cancelledAt < 30000, qPrintable(QString("stopped at step %1").arg(cancelledAt)));

    const Outcome o = runCli({ "run", "--resume", "1", "--store", store, "--json" }, m_dir.path());
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    const QJsonObject resumed = QJsonDocument::fromJson(o.out.toUtf8()).object();
    QCOMPARE(resumed["run_id"].toInt(), 1);
    QCOMPARE(resumed["status"].toString(), QString("finished"));
    QCOMPARE(resumed["steps"].toInt(), 30000);
    QCOMPARE(resumed["epochs"].toInt(), 60);
    QVERIFY(resumed["resumed_at_step"].toInt() <= cancelledAt);

    // One run, finished, with every train_loss point once: steps 5, 10, ..., 30000.
    auto opened = ts::store::ExperimentStore::open(store.toStdString());
    QVERIFY(opened);
    auto runs = (*opened)->listRuns();
    QVERIFY(runs);
    QCOMPARE(runs->size(), size_t(1));
    QCOMPARE(ts::store::toString(runs->front().status), std::string("finished"));
    auto series = (*opened)->metricSeries(1, "train_loss");
    QVERIFY(series);
    QCOMPARE(series->size(), size_t(6000));
    for (size_t i = 0; i < series->size(); ++i)
        QCOMPARE((*series)[i].step, int64_t(5 * (i + 1)));
    auto details = (*opened)->runDetails(1);
    QVERIFY(details);
    const auto& params = details->params;
    QVERIFY(std::find(params.begin(), params.end(),
                      std::pair<std::string, std::string>("checkpointEvery", "100"))
            != params.end());
}

void TstCli::resumeRefuses_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("expectedInError");
    const QString store = m_dir.path() + "/resume/store.sqlite";
    QTest::newRow("an unknown run")
            << QStringList { "run", "--resume", "999", "--store", store } << "no run 999 in";
    QTest::newRow("a finished run") << QStringList { "run", "--resume", "1", "--store", store }
                                    << "run 1 already finished; nothing to resume";
    QTest::newRow("a run without checkpoints")
            << QStringList { "run", "--resume", "1", "--store",
                             m_dir.path() + "/no-checkpoint.sqlite" }
            << "run 1 has no checkpoint (it was started without --checkpoint-every)";
    QTest::newRow("neither pipeline nor run") << QStringList { "run", "--store", store }
                                              << "A pipeline file or --resume RUN_ID is required";
    QTest::newRow("both pipeline and run")
            << QStringList { "run", m_dir.path() + "/good.json", "--resume", "1" }
            << "pipeline excludes --resume";
    QTest::newRow("a new interval for a resumed run")
            << QStringList { "run", "--resume", "1", "--checkpoint-every", "5" }
            << "--resume excludes --checkpoint-every";
}

void TstCli::resumeRefuses()
{
    QFETCH(QStringList, args);
    QFETCH(QString, expectedInError);
    const Outcome o = runCli(args, m_dir.path());
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains(expectedInError), qPrintable(o.err));
}

void TstCli::helpSaysWhatIsThere_data()
{
    QTest::addColumn<QString>("program");
    QTest::addColumn<QString>("expected");
    QTest::newRow("agent runs jobs") << "trainstudio-agent"
                                     << "--data-root";
    QTest::newRow("serve") << "trainstudio-serve"
                           << "Not yet available in this release";
}

void TstCli::helpSaysWhatIsThere()
{
    QFETCH(QString, program);
    QFETCH(QString, expected);
    QProcess p;
    p.start(TS_BINARY_DIR "/bin/" + program, { "--help" });
    QVERIFY(p.waitForFinished(10000));
    QCOMPARE(p.exitCode(), 0);
    QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).contains(expected));
    p.start(TS_BINARY_DIR "/bin/" + program, { "--version" });
    QVERIFY(p.waitForFinished(10000));
    QVERIFY(QString::fromUtf8(p.readAllStandardOutput()).startsWith(program + " 0."));
}

void TstCli::dataPreviewPrintsRowsAndStatistics()
{
    const QString d = m_dir.path();
    const Outcome o = runCli({ "data", "preview", d + "/good.json", "--json" }, d);
    QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    const QJsonObject result = QJsonDocument::fromJson(o.out.toUtf8()).object();
    QCOMPARE(result["trainRows"].toInt(), 400);
    QCOMPARE(result["testRows"].toInt(), 100);
    QCOMPARE(result["rows"].toArray().size(), 5);
    QCOMPARE(result["rows"].toArray()[0].toArray().size(), 2);
    const QJsonArray features = result["features"].toArray();
    QCOMPARE(features.size(), 2);
    QCOMPARE(features[0].toObject()["name"].toString(), QString("x0"));
    QCOMPARE(features[0].toObject()["count"].toInt(), 400);
    int labelled = 0;
    for (const auto count : result["labels"].toArray())
        labelled += count.toInt();
    QCOMPARE(labelled, 400);
    const Outcome text = runCli({ "data", "preview", d + "/good.json", "--rows", "2" }, d);
    QCOMPARE(text.exitCode, 0);
    QVERIFY2(text.out.contains("x1") && text.out.contains("Labels"), qPrintable(text.out));
}

void TstCli::dataPreviewOfABadPipelineIsBadInput()
{
    const QString d = m_dir.path();
    const Outcome o = runCli({ "data", "preview", d + "/missing-data.json" }, d);
    QCOMPARE(o.exitCode, 2);
    QVERIFY2(o.err.contains("nope.csv"), qPrintable(o.err));
    QVERIFY(o.out.isEmpty());
}

QTEST_GUILESS_MAIN(TstCli)
#include "tst_cli.moc"
