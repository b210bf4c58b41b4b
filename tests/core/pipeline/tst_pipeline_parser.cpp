// Pipeline validation: every mistake is reported with the exact field path.
#include "pipeline/pipeline_parser.h"

#include <QtTest/QTest>

#include <QFile>
#include <QTemporaryDir>

using namespace ts;

namespace {

// A valid pipeline; rows of the data-driven test replace one piece of it.
const char* const ValidPipeline = R"({
  "trainstudio": 1,
  "name": "unit",
  "experiment": "tests",
  "stages": [
    { "source": { "format": "idx",
                  "train": { "images": "train-x.gz", "labels": "train-y.gz" },
                  "test":  { "images": "/abs/test-x.gz", "labels": "/abs/test-y.gz" } } },
    { "prep": { "scale": "unit" } },
    { "train": { "model": { "type": "mlp", "hidden": [256, 128] },
                 "optimizer": { "type": "sgd", "learningRate": 0.05, "momentum": 0.9 },
                 "epochs": 2, "batchSize": 64, "seed": 42, "device": "cpu" } },
    { "evaluate": { "metrics": ["accuracy"] } }
  ]
})";

QString replaced(const QString& from, const QString& to)
{
    QString text = QString::fromUtf8(ValidPipeline);
    Q_ASSERT(text.contains(from));
    return text.replace(from, to);
}

} // namespace

class TstPipelineParser : public QObject
{
    Q_OBJECT

private slots:
    void validPipeline();
    void invalidPipelines_data();
    void invalidPipelines();
    void syntaxErrorGivesLineAndColumn();
    void missingFileIsNotFound();
    void quickstartPipelineIsValid();
};

void TstPipelineParser::validPipeline()
{
    auto spec = pipeline::parsePipeline(ValidPipeline, "p.json", "/data");
    QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());
    QCOMPARE(spec->name, std::string("unit"));
    QCOMPARE(spec->experiment, std::string("tests"));
    QCOMPARE(spec->source.train.images, std::string("/data/train-x.gz")); // relative: resolved
    QCOMPARE(spec->source.test.images, std::string("/abs/test-x.gz"));    // absolute: kept
    QVERIFY(spec->prep.scale == data::ScaleKind::Unit);
    QCOMPARE(spec->train.model.hidden, (std::vector<int64_t> { 256, 128 }));
    QCOMPARE(spec->train.optimizer.learningRate, 0.05f);
    QCOMPARE(spec->train.optimizer.momentum, 0.9f);
    QCOMPARE(spec->train.epochs, 2);
    QCOMPARE(spec->train.batchSize, int64_t(64));
    QCOMPARE(spec->train.seed, uint64_t(42));
    QVERIFY(spec->train.device == tensor::DeviceRequest::Cpu);
    QVERIFY(spec->evaluate.enabled);
    QCOMPARE(spec->evaluate.metrics, std::vector<std::string> { "accuracy" });
}

void TstPipelineParser::invalidPipelines_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // the whole message after "p.json: "

    QTest::newRow("unknown model")
            << replaced(R"("type": "mlp")", R"("type": "transformer")")
            << "stages[2].train.model.type: unknown value 'transformer'; expected one of: mlp, "
               "logistic_regression";
    QTest::newRow("batch size zero")
            << replaced(R"("batchSize": 64)", R"("batchSize": 0)")
            << "stages[2].train.batchSize: must be between 1 and 1048576, got 0";
    QTest::newRow("batch size as text")
            << replaced(R"("batchSize": 64)", R"("batchSize": "64")")
            << "stages[2].train.batchSize: must be an integer, got a string";
    QTest::newRow("typo in a field name")
            << replaced(R"("batchSize": 64)", R"("batchsize": 64)")
            << "stages[2].train.batchsize: unknown field (did you mean 'batchSize'?)";
    QTest::newRow("negative learning rate")
            << replaced(R"("learningRate": 0.05)", R"("learningRate": -1)")
            << "stages[2].train.optimizer.learningRate: must be > 0 and <= 100, got -1";
    QTest::newRow("unknown optimizer")
            << replaced(R"("type": "sgd")", R"("type": "lbfgs")")
            << "stages[2].train.optimizer.type: unknown value 'lbfgs'; expected one of: sgd";
    QTest::newRow("hidden layer of width 0")
            << replaced("[256, 128]", "[256, 0]")
            << "stages[2].train.model.hidden[1]: must be an integer between 1 and 1000000";
    QTest::newRow("missing labels file") << replaced(R"(, "labels": "train-y.gz")", "")
                                         << "stages[0].source.train.labels: is required";
    QTest::newRow("unknown source format")
            << replaced(R"("format": "idx")", R"("format": "parquet")")
            << "stages[0].source.format: unknown value 'parquet'; expected one of: idx, csv";
    QTest::newRow("unknown device")
            << replaced(R"("device": "cpu")", R"("device": "tpu")")
            << "stages[2].train.device: unknown value 'tpu'; expected one of: auto, cpu, cuda";
    QTest::newRow("unknown prep scale")
            << replaced(R"("scale": "unit")", R"("scale": "log")")
            << "stages[1].prep.scale: unknown value 'log'; expected one of: none, unit, min-max, "
               "standardize";
    QTest::newRow("unknown stage kind")
            << replaced(R"({ "prep": { "scale": "unit" } })", R"({ "deploy": {} })")
            << "stages[1].deploy: unknown stage kind; expected one of: source, prep, train, "
               "evaluate";
    QTest::newRow("stages out of order")
            << replaced(R"({ "evaluate": { "metrics": ["accuracy"] } })",
                        R"({ "prep": { "scale": "unit" } })")
            << "stages[3].prep: stage out of order or repeated; stages run in the order source, "
               "prep, train, evaluate";
    QTest::newRow("stage with two keys")
            << replaced(R"({ "prep": { "scale": "unit" } })", R"({ "prep": {}, "train": {} })")
            << "stages[1]: must be an object with exactly one key, the stage kind (source, prep, "
               "train, evaluate)";
    QTest::newRow("newer spec version")
            << replaced(R"("trainstudio": 1)", R"("trainstudio": 2)")
            << "trainstudio: pipeline spec version 2 is newer than this TrainStudio supports (1)";
    QTest::newRow("unknown evaluation metric")
            << replaced(R"(["accuracy"])", R"(["auc"])")
            << "stages[3].evaluate.metrics[0]: unknown metric; expected one of: accuracy, loss";
    QTest::newRow("no train stage") << replaced(
            QString::fromUtf8(ValidPipeline)
                    .mid(QString::fromUtf8(ValidPipeline).indexOf(R"({ "train")"),
                         QString::fromUtf8(ValidPipeline).indexOf(R"({ "evaluate")")
                                 - QString::fromUtf8(ValidPipeline).indexOf(R"({ "train")")),
            "") << "stages: a 'train' stage is required";
}

void TstPipelineParser::invalidPipelines()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    auto spec = pipeline::parsePipeline(text.toStdString(), "p.json", "/data");
    QVERIFY(!spec.ok());
    QVERIFY(spec.error().kind() == common::ErrorKind::InvalidInput);
    QCOMPARE(QString::fromStdString(spec.error().message()), "p.json: " + expected);
}

void TstPipelineParser::syntaxErrorGivesLineAndColumn()
{
    // Line 3 ends without a comma: the parser stops on line 4, at the end of the unexpected
    // key "stages" (column 10), which is where JSON parsers report it.
    const std::string text = "{\n  \"trainstudio\": 1,\n  \"name\": \"x\"\n  \"stages\": []\n}\n";
    auto spec = pipeline::parsePipeline(text, "p.json", "");
    QVERIFY(!spec.ok());
    const QString message = QString::fromStdString(spec.error().message());
    QVERIFY2(message.startsWith("p.json:4:10: JSON syntax error: "), qPrintable(message));
}

void TstPipelineParser::missingFileIsNotFound()
{
    auto spec = pipeline::loadPipeline("/nonexistent/pipeline.json");
    QVERIFY(!spec.ok());
    QVERIFY(spec.error().kind() == common::ErrorKind::NotFound);
    QCOMPARE(QString::fromStdString(spec.error().message()),
             "/nonexistent/pipeline.json: cannot open the pipeline file (no such file)");
}

void TstPipelineParser::quickstartPipelineIsValid()
{
    auto spec = pipeline::loadPipeline(TS_SOURCE_DIR "/resources/pipelines/quickstart.json");
    QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());
    QCOMPARE(spec->train.model.hidden, (std::vector<int64_t> { 256, 128 }));
    QCOMPARE(spec->train.batchSize, int64_t(64));
    QCOMPARE(spec->train.optimizer.momentum, 0.9f);
}

QTEST_APPLESS_MAIN(TstPipelineParser)
#include "tst_pipeline_parser.moc"
