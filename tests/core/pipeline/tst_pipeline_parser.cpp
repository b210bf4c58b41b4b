// Pipeline validation: every mistake is reported with the exact field path.
#include "pipeline/pipeline_parser.h"

#include <QtTest/QTest>

#include <QDir>
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
    void splitAndDerivedColumns();
    void invalidPipelines_data();
    void invalidPipelines();
    void optimizerWithScheduleAndClipping();
    void adamwDecaysByDefault();
    void strategyWithConsistencySchedule();
    void syntaxErrorGivesLineAndColumn();
    void missingFileIsNotFound();
    void quickstartPipelineIsValid();
    void everyExamplePipelineIsValid();
};

void TstPipelineParser::splitAndDerivedColumns()
{
    QString text = replaced(
            R"("test":  { "images": "/abs/test-x.gz", "labels": "/abs/test-y.gz" })",
            R"("split": { "test": 0.25, "method": "time", "timeColumn": "day", "seed": 3 })");
    text.replace(R"("scale": "unit")", R"("scale": "unit", "derive": ["a = x * 2", "b = a + 1"])");
    auto spec = pipeline::parsePipeline(text.toStdString(), "p.json", "/data");
    QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());
    QVERIFY(spec->source.holdout.enabled);
    QCOMPARE(spec->source.holdout.split.test, 0.25);
    QCOMPARE(spec->source.holdout.split.train, 0.75);
    QVERIFY(spec->source.holdout.split.method == data::SplitSpec::Method::ByTime);
    QCOMPARE(spec->source.holdout.timeColumn, std::string("day"));
    QCOMPARE(spec->source.holdout.split.seed, uint64_t(3));
    QVERIFY(spec->source.test.images.empty());
    QCOMPARE(spec->prep.derive, (std::vector<std::string> { "a = x * 2", "b = a + 1" }));
}

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
               "logistic_regression, cnn, resnet, random_forest";
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
            << "stages[2].train.optimizer.type: unknown value 'lbfgs'; expected one of: sgd, "
               "adam, adamw";
    QTest::newRow("beta1 on sgd") << replaced(R"("momentum": 0.9)",
                                              R"("momentum": 0.9, "beta1": 0.8)")
                                  << "stages[2].train.optimizer.beta1: only for adam and adamw";
    QTest::newRow("momentum on adam") << replaced(R"("type": "sgd")", R"("type": "adam")")
                                      << "stages[2].train.optimizer.momentum: only for sgd";
    QTest::newRow("nesterov without momentum")
            << replaced(R"("momentum": 0.9)", R"("nesterov": true)")
            << "stages[2].train.optimizer.nesterov: needs momentum > 0; set momentum (e.g. 0.9) "
               "or remove nesterov";
    QTest::newRow("nesterov as text")
            << replaced(R"("momentum": 0.9)", R"("momentum": 0.9, "nesterov": "yes")")
            << "stages[2].train.optimizer.nesterov: must be true or false, got a string";
    QTest::newRow("beta2 of 1")
            << replaced(R"("type": "sgd", "learningRate": 0.05, "momentum": 0.9)",
                        R"("type": "adam", "beta2": 1)")
            << "stages[2].train.optimizer.beta2: must be >= 0 and <= 0.999999, got 1";
    QTest::newRow("epsilon of 0")
            << replaced(R"("type": "sgd", "learningRate": 0.05, "momentum": 0.9)",
                        R"("type": "adamw", "epsilon": 0)")
            << "stages[2].train.optimizer.epsilon: must be > 0 and <= 1, got 0";
    QTest::newRow("negative clip norm")
            << replaced(R"("momentum": 0.9)", R"("momentum": 0.9, "clipNorm": -1)")
            << "stages[2].train.optimizer.clipNorm: must be >= 0 and <= 100000, got -1";
    QTest::newRow("unknown schedule")
            << replaced(R"("momentum": 0.9)", R"("momentum": 0.9, "schedule": { "type": "poly" })")
            << "stages[2].train.optimizer.schedule.type: unknown value 'poly'; expected one of: "
               "constant, step, cosine";
    QTest::newRow("step schedule without stepSize")
            << replaced(R"("momentum": 0.9)", R"("momentum": 0.9, "schedule": { "type": "step" })")
            << "stages[2].train.optimizer.schedule.stepSize: is required";
    QTest::newRow("gamma on a cosine schedule")
            << replaced(R"("momentum": 0.9)",
                        R"("momentum": 0.9, "schedule": { "type": "cosine", "gamma": 0.5 })")
            << "stages[2].train.optimizer.schedule.gamma: only for step schedules";
    QTest::newRow("minLearningRate on a step schedule")
            << replaced(R"("momentum": 0.9)",
                        R"("momentum": 0.9,
                           "schedule": { "type": "step", "stepSize": 10, "minLearningRate": 0 })")
            << "stages[2].train.optimizer.schedule.minLearningRate: only for cosine schedules";
    QTest::newRow("cosine floor above the learning rate")
            << replaced(R"("momentum": 0.9)",
                        R"("momentum": 0.9,
                           "schedule": { "type": "cosine", "minLearningRate": 0.1 })")
            << "stages[2].train.optimizer.schedule.minLearningRate: must be <= learningRate "
               "(0.05), got 0.1";
    QTest::newRow("negative warm-up")
            << replaced(R"("momentum": 0.9)",
                        R"("momentum": 0.9, "schedule": { "type": "constant", "warmupSteps": -1 })")
            << "stages[2].train.optimizer.schedule.warmupSteps: must be between 0 and 1000000000, "
               "got -1";
    QTest::newRow("typo in a schedule field")
            << replaced(R"("momentum": 0.9)",
                        R"("momentum": 0.9, "schedule": { "type": "constant", "warmupStep": 5 })")
            << "stages[2].train.optimizer.schedule.warmupStep: unknown field (did you mean "
               "'warmupSteps'?)";
    QTest::newRow("hidden layer of width 0")
            << replaced("[256, 128]", "[256, 0]")
            << "stages[2].train.model.hidden[1]: must be an integer between 1 and 1000000";
    QTest::newRow("missing labels file") << replaced(R"(, "labels": "train-y.gz")", "")
                                         << "stages[0].source.train.labels: is required";
    QTest::newRow("unknown source format")
            << replaced(R"("format": "idx")", R"("format": "parquet")")
            << "stages[0].source.format: unknown value 'parquet'; expected one of: idx, csv, "
               "postgres";
    QTest::newRow("unknown strategy")
            << replaced(R"("device": "cpu")",
                        R"("device": "cpu", "strategy": { "type": "horovod" })")
            << "stages[2].train.strategy.type: unknown value 'horovod'; expected one of: auto, "
               "local, allreduce, parameter_server, pipeline";
    QTest::newRow("micro-batches that do not divide the batch")
            << replaced(R"("device": "cpu")",
                        R"("device": "cpu", "strategy": { "type": "pipeline", "microBatches": 5 })")
            << "stages[2].train.strategy.microBatches: must divide batchSize (64)";
    QTest::newRow("a consistency mode for all-reduce")
            << replaced(R"("device": "cpu")",
                        R"("device": "cpu", "strategy": { "type": "allreduce", "mode": "async" })")
            << "stages[2].train.strategy.mode: applies to \"parameter_server\" only";
    QTest::newRow("ssp without its bound") << replaced(R"("device": "cpu")", R"("device": "cpu",
                        "strategy": { "type": "parameter_server", "mode": "ssp" })")
                                           << "stages[2].train.strategy.staleness: is required";
    QTest::newRow("a staleness bound for sync")
            << replaced(R"("device": "cpu")", R"("device": "cpu",
                        "strategy": { "type": "parameter_server", "staleness": 2 })")
            << "stages[2].train.strategy.staleness: applies to the mode \"ssp\" only";
    QTest::newRow("no servers")
            << replaced(R"("device": "cpu")", R"("device": "cpu",
                        "strategy": { "type": "parameter_server", "servers": 0 })")
            << "stages[2].train.strategy.servers: must be between 1 and 64, got 0";
    QTest::newRow("a schedule that goes back in epochs")
            << replaced(R"("device": "cpu")", R"("device": "cpu",
                        "strategy": { "type": "parameter_server", "schedule": [
                            { "fromEpoch": 3, "mode": "async" }, { "fromEpoch": 2, "mode": "sync" } ] })")
            << "stages[2].train.strategy.schedule[1].fromEpoch: must be between 4 and 100000, got "
               "2";
    QTest::newRow("clipping over two servers")
            << replaced(R"("momentum": 0.9 },)", R"("momentum": 0.9, "clipNorm": 1 },
                        "strategy": { "type": "parameter_server", "servers": 2 },)")
            << "stages[2].train.optimizer.clipNorm: clips the norm of all gradients together, but "
               "each of the 2 parameter servers holds only its own keys; use one server or no "
               "clipping";
    QTest::newRow("unknown mode in the schedule")
            << replaced(R"("device": "cpu")", R"("device": "cpu",
                        "strategy": { "type": "parameter_server", "schedule": [
                            { "fromEpoch": 2, "mode": "eventual" } ] })")
            << "stages[2].train.strategy.schedule[0].mode: unknown value 'eventual'; expected one "
               "of: sync, async, ssp";
    QTest::newRow("an optimizer for a random forest")
            << replaced(R"("type": "mlp", "hidden": [256, 128])", R"("type": "random_forest")")
            << "stages[2].train.optimizer: a random forest has no optimizer";
    QTest::newRow("epochs for a random forest")
            << replaced(R"({ "type": "mlp", "hidden": [256, 128] },
                 "optimizer": { "type": "sgd", "learningRate": 0.05, "momentum": 0.9 },)",
                        R"({ "type": "random_forest" },)")
            << "stages[2].train.epochs: a random forest is grown, not trained in epochs of batches";
    QTest::newRow("a forest's maxFeatures of 0")
            << replaced(R"({ "type": "mlp", "hidden": [256, 128] },
                 "optimizer": { "type": "sgd", "learningRate": 0.05, "momentum": 0.9 },
                 "epochs": 2, "batchSize": 64,)",
                        R"({ "type": "random_forest", "maxFeatures": 0 },)")
            << "stages[2].train.model.maxFeatures: must be \"sqrt\", \"all\" or a count of at "
               "least 1";
    QTest::newRow("a forest's unknown criterion")
            << replaced(R"({ "type": "mlp", "hidden": [256, 128] },
                 "optimizer": { "type": "sgd", "learningRate": 0.05, "momentum": 0.9 },
                 "epochs": 2, "batchSize": 64,)",
                        R"({ "type": "random_forest", "criterion": "log_loss" },)")
            << "stages[2].train.model.criterion: unknown value 'log_loss'; expected one of: gini, "
               "entropy";
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
    QTest::newRow("a split and a test file")
            << replaced(R"("format": "idx",)", R"("format": "idx", "split": { "test": 0.2 },)")
            << "stages[0].source.split: give either a test source ('test') or a split, not both";
    QTest::newRow("time column for a random split")
            << replaced(R"("test":  { "images": "/abs/test-x.gz", "labels": "/abs/test-y.gz" })",
                        R"("split": { "test": 0.2, "timeColumn": "day" })")
            << "stages[0].source.split.timeColumn: only for method \"time\"";
    QTest::newRow("a time split without its column")
            << replaced(R"("test":  { "images": "/abs/test-x.gz", "labels": "/abs/test-y.gz" })",
                        R"("split": { "method": "time" })")
            << "stages[0].source.split.timeColumn: is required";
    QTest::newRow("test fraction of 1")
            << replaced(R"("test":  { "images": "/abs/test-x.gz", "labels": "/abs/test-y.gz" })",
                        R"("split": { "test": 1 })")
            << "stages[0].source.split.test: must be between 0 and 1 (exclusive), the fraction of "
               "rows held out for testing";
    QTest::newRow("derived column with an unclosed parenthesis")
            << replaced(R"("scale": "unit")", R"("scale": "unit", "derive": ["r = (a + b"])")
            << "stages[1].prep.derive[0]: r = (a + b: column 5: unclosed '('";
    QTest::newRow("unknown impute strategy")
            << replaced(R"("scale": "unit")",
                        R"("scale": "unit", "impute": { "strategy": "mode" })")
            << "stages[1].prep.impute.strategy: unknown value 'mode'; expected one of: mean, "
               "median, most_frequent, constant";
    QTest::newRow("impute value without strategy constant")
            << replaced(R"("scale": "unit")",
                        R"("scale": "unit", "impute": { "strategy": "median", "value": 1 })")
            << "stages[1].prep.impute.value: only for strategy constant";
    QTest::newRow("impute constant without a value")
            << replaced(R"("scale": "unit")",
                        R"("scale": "unit", "impute": { "strategy": "constant" })")
            << "stages[1].prep.impute.value: is required for strategy constant";
    QTest::newRow("impute value as text")
            << replaced(R"("scale": "unit")",
                        R"("scale": "unit", "impute": { "strategy": "constant", "value": "0" })")
            << "stages[1].prep.impute.value: must be a number, got a string";
    QTest::newRow("derived column that is not a string")
            << replaced(R"("scale": "unit")", R"("scale": "unit", "derive": [42])")
            << "stages[1].prep.derive[0]: must be a string, got an integer";
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

void TstPipelineParser::optimizerWithScheduleAndClipping()
{
    const QString text = replaced(R"("type": "sgd", "learningRate": 0.05, "momentum": 0.9)",
                                  R"("type": "adam", "learningRate": 0.001, "beta1": 0.8,
                                     "beta2": 0.99, "epsilon": 1e-6, "weightDecay": 0.0001,
                                     "schedule": { "type": "cosine", "minLearningRate": 0.0001,
                                                   "warmupSteps": 100 },
                                     "clipNorm": 1.5)");
    auto spec = pipeline::parsePipeline(text.toStdString(), "p.json", "/data");
    QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());
    const nn::OptimizerSpec& o = spec->train.optimizer;
    QCOMPARE(o.type, std::string("adam"));
    QCOMPARE(o.learningRate, 0.001f);
    QCOMPARE(o.beta1, 0.8f);
    QCOMPARE(o.beta2, 0.99f);
    QCOMPARE(o.epsilon, 1e-6f);
    QCOMPARE(o.weightDecay, 0.0001f);
    QCOMPARE(o.schedule.type, std::string("cosine"));
    QCOMPARE(o.schedule.minLearningRate, 0.0001f);
    QCOMPARE(o.schedule.warmupSteps, int64_t(100));
    QCOMPARE(o.clipNorm, 1.5);
}

void TstPipelineParser::strategyWithConsistencySchedule()
{
    auto plain = pipeline::parsePipeline(QString::fromUtf8(ValidPipeline).toStdString(), "p.json",
                                         "/data");
    QVERIFY(plain.ok());
    QVERIFY(plain->train.strategy.kind == pipeline::StrategySpec::Kind::Auto);
    const QString text = replaced(R"("device": "cpu")", R"("device": "cpu",
        "strategy": { "type": "parameter_server", "servers": 2, "mode": "ssp", "staleness": 3,
                      "schedule": [ { "fromEpoch": 3, "mode": "async" },
                                    { "fromEpoch": 6, "mode": "sync" } ] })");
    auto spec = pipeline::parsePipeline(text.toStdString(), "p.json", "/data");
    QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());
    const pipeline::StrategySpec& s = spec->train.strategy;
    QVERIFY(s.kind == pipeline::StrategySpec::Kind::ParameterServer);
    QCOMPARE(s.servers, 2);
    QCOMPARE(int(s.consistency.size()), 3);
    for (const auto& [epoch, mode, bound] : std::vector<std::tuple<int, dist::Consistency, int>> {
                 { 0, dist::Consistency::BoundedStaleness, 3 },
                 { 1, dist::Consistency::BoundedStaleness, 3 },
                 { 2, dist::Consistency::Async, 0 },
                 { 4, dist::Consistency::Async, 0 },
                 { 5, dist::Consistency::Sync, 0 },
                 { 9, dist::Consistency::Sync, 0 } }) {
        const dist::ConsistencyPhase phase = dist::phaseAt(s.consistency, epoch);
        QVERIFY2(phase.mode == mode, qPrintable(QString("epoch %1").arg(epoch)));
        QCOMPARE(phase.staleness, bound);
    }
}

void TstPipelineParser::adamwDecaysByDefault()
{
    // As torch.optim.AdamW: weight decay 0.01 unless given; sgd and adam keep 0.
    auto adamw = pipeline::parsePipeline(
            replaced(R"("type": "sgd", "learningRate": 0.05, "momentum": 0.9)",
                     R"("type": "adamw")")
                    .toStdString(),
            "p.json", "/data");
    QVERIFY(adamw.ok());
    QCOMPARE(adamw->train.optimizer.weightDecay, 0.01f);
    QCOMPARE(adamw->train.optimizer.schedule.type, std::string("constant"));
    QCOMPARE(adamw->train.optimizer.clipNorm, 0.0);
    auto sgd = pipeline::parsePipeline(ValidPipeline, "p.json", "/data");
    QVERIFY(sgd.ok());
    QCOMPARE(sgd->train.optimizer.weightDecay, 0.0f);
    QVERIFY(!sgd->train.optimizer.nesterov);
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

void TstPipelineParser::everyExamplePipelineIsValid()
{
    const QDir examples(TS_SOURCE_DIR "/resources/pipelines");
    const QStringList files = examples.entryList({ "*.json" }, QDir::Files);
    QVERIFY(files.size() >= 4);
    for (const QString& file : files) {
        auto spec = pipeline::loadPipeline(examples.filePath(file).toStdString());
        QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());
    }
}

QTEST_APPLESS_MAIN(TstPipelineParser)
#include "tst_pipeline_parser.moc"
