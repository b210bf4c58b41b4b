// Resuming from a checkpoint: an interrupted run, resumed into a freshly built model, continues
// its loss curve and ends with the weights of an uninterrupted run, bit for bit (same backend,
// one thread).
#include "common/tensor_values.h"
#include "nn/checkpoint.h"
#include "nn/model_factory.h"
#include "tensor/cpu/cpu_backend.h"
#include "train/trainer.h"

#include <QtTest/QTest>

#include <QTemporaryDir>

#include <random>

using namespace ts;

namespace {

// `rows` samples of `shape` (features, or height x width x channels) with values in [0, 1).
data::Dataset randomDataset(int64_t rows, std::vector<int64_t> shape, int64_t classes,
                            uint64_t seed)
{
    data::Dataset d;
    d.rows = rows;
    d.cols = tensor::elementCount(shape);
    d.sampleShape = shape.size() > 1 ? shape : std::vector<int64_t> {};
    d.classCount = classes;
    std::mt19937_64 g(seed);
    for (int64_t i = 0; i < rows * d.cols; ++i)
        d.features.push_back(float(g() % 1000) / 1000.0f);
    for (int64_t i = 0; i < rows; ++i)
        d.labels.push_back(float(g() % uint64_t(classes)));
    return d;
}

struct Point
{
    std::string name;
    int64_t step;
    double value;
    bool operator==(const Point&) const = default;
};

// Records every metric point but the timing ones. cancelled() is asked once before every
// step: after `stopAfter` steps it turns true (Ctrl-C) or throws Crash (the process dies, only
// the checkpoint file survives).
class StoppingSink final : public train::MetricSink
{
public:
    struct Crash
    {};
    enum class Stop { Never, Cancel, Crash };

    StoppingSink(Stop stop = Stop::Never, int64_t stopAfter = 0)
        : m_stop(stop)
        , m_stopAfter(stopAfter)
    {}

    void onMetric(const std::string& name, int64_t step, double value) override
    {
        // Timings differ from run to run; every other point must be reproduced exactly.
        if (name != "samples_per_second" && !name.starts_with("time_"))
            points.push_back({ name, step, value });
    }
    bool cancelled() const override
    {
        if (m_stop == Stop::Never || m_asked++ < m_stopAfter)
            return false;
        if (m_stop == Stop::Crash)
            throw Crash {};
        return true;
    }

    std::vector<Point> points;

private:
    Stop m_stop;
    int64_t m_stopAfter;
    mutable int64_t m_asked = 0;
};

// A run of the "mlp" (dropout, SGD with momentum) or "cnn" (batch norm, Adam, cosine schedule)
// rows: its model spec, sample shape and options.
struct Setup
{
    nn::ModelSpec model;
    std::vector<int64_t> shape;
    train::TrainOptions options;
};

Setup setupOf(const QString& kind)
{
    Setup s;
    s.options.epochs = 2;
    s.options.batchSize = 8;
    s.options.seed = 7;
    s.options.logEvery = 3; // loss windows straddle the checkpoints
    if (kind == "mlp") {
        s.model.hidden = { 16, 8 };
        s.model.dropout = 0.25f;
        s.shape = { 6 };
        s.options.optimizer.learningRate = 0.05f;
        s.options.optimizer.momentum = 0.9f;
    } else {
        s.model.type = "cnn";
        s.model.conv = { { .filters = 3, .kernel = 3, .stride = 1, .padding = 1 } };
        s.model.batchNorm = true;
        s.model.hidden = { 8 };
        s.shape = { 6, 6, 1 };
        s.options.optimizer.type = "adam";
        s.options.optimizer.learningRate = 0.01f;
        s.options.optimizer.schedule = { .type = "cosine", .warmupSteps = 2 };
    }
    s.options.modelSpecJson = "{\"type\":\"" + s.model.type + "\"}";
    return s;
}

} // namespace

class TstResume : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void resumedRunMatchesUninterrupted_data();
    void resumedRunMatchesUninterrupted();
    void checkpointOfAnotherRunIsRefused_data();
    void checkpointOfAnotherRunIsRefused();
    void checkpointThatDoesNotFitTheDataStopsTraining();
    void failedSaveStopsTraining();

private:
    // Trains `kind` with checkpoints until `stop` strikes; returns the points it reported.
    std::vector<Point> trainUntil(const QString& kind, StoppingSink::Stop stop, int64_t stopAfter,
                                  int64_t checkpointEvery, const std::string& path);

    tensor::CpuBackend m_cpu { 1 };
    QTemporaryDir m_dir;
};

void TstResume::initTestCase()
{
    QVERIFY(m_dir.isValid());
}

void TstResume::resumedRunMatchesUninterrupted_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("stop"); // StoppingSink::Stop
    QTest::addColumn<qint64>("stopAfter");
    QTest::addColumn<qint64>("checkpointEvery");
    QTest::addColumn<qint64>("resumeStep"); // the step the checkpoint holds
    // 100 rows in batches of 8: 13 steps per epoch (the last of 4 rows), 26 in all.
    QTest::newRow("mlp, dropout, momentum: Ctrl-C mid epoch 2 saves where it stops")
            << "mlp" << int(StoppingSink::Stop::Cancel) << qint64(18) << qint64(5) << qint64(18);
    QTest::newRow("mlp: a crash mid epoch 2 resumes from the last periodic checkpoint")
            << "mlp" << int(StoppingSink::Stop::Crash) << qint64(18) << qint64(5) << qint64(15);
    QTest::newRow("mlp: a crash early in epoch 2 resumes from the end of epoch 1")
            << "mlp" << int(StoppingSink::Stop::Crash) << qint64(14) << qint64(10) << qint64(13);
    // 64 rows of 6x6 images in batches of 8: 8 steps per epoch, 16 in all.
    QTest::newRow("cnn, batch norm, adam, cosine: Ctrl-C mid epoch 2")
            << "cnn" << int(StoppingSink::Stop::Cancel) << qint64(11) << qint64(3) << qint64(11);
    QTest::newRow("cnn: a crash mid epoch 2 resumes from the last periodic checkpoint")
            << "cnn" << int(StoppingSink::Stop::Crash) << qint64(11) << qint64(3) << qint64(9);
}

std::vector<Point> TstResume::trainUntil(const QString& kind, StoppingSink::Stop stop,
                                         int64_t stopAfter, int64_t checkpointEvery,
                                         const std::string& path)
{
    Setup s = setupOf(kind);
    const auto train = randomDataset(kind == "mlp" ? 100 : 64, s.shape, 3, 1);
    const auto test = randomDataset(20, s.shape, 3, 2);
    auto model = nn::buildModel(s.model, m_cpu, s.shape, 3, s.options.seed);
    s.options.checkpointEvery = checkpointEvery;
    s.options.checkpointPath = path;
    train::Trainer trainer(m_cpu, *model, s.options);
    StoppingSink sink(stop, stopAfter);
    try {
        const auto summary = trainer.fit(train, &test, sink);
        if (summary.failure)
            qWarning("%s", summary.failure->message().c_str());
    } catch (const StoppingSink::Crash&) {
    }
    return sink.points;
}

void TstResume::resumedRunMatchesUninterrupted()
{
    QFETCH(QString, kind);
    QFETCH(int, stop);
    QFETCH(qint64, stopAfter);
    QFETCH(qint64, checkpointEvery);
    QFETCH(qint64, resumeStep);
    Setup s = setupOf(kind);
    const auto train = randomDataset(kind == "mlp" ? 100 : 64, s.shape, 3, 1);
    const auto test = randomDataset(20, s.shape, 3, 2);

    // The reference: two epochs without checkpoints.
    auto reference = nn::buildModel(s.model, m_cpu, s.shape, 3, s.options.seed);
    StoppingSink referenceSink;
    {
        train::Trainer trainer(m_cpu, *reference, s.options);
        QCOMPARE(trainer.fit(train, &test, referenceSink).steps, int64_t(kind == "mlp" ? 26 : 16));
    }

    // The interrupted run, then its checkpoint.
    const std::string path =
            (m_dir.path() + "/" + QTest::currentDataTag() + ".tsckpt").toStdString();
    auto before = trainUntil(kind, StoppingSink::Stop(stop), stopAfter, checkpointEvery, path);
    auto checkpoint = nn::loadCheckpoint(path);
    QVERIFY2(checkpoint, checkpoint ? "" : checkpoint.error().message().c_str());
    QCOMPARE(checkpoint->globalStep, int64_t(resumeStep));

    // A fresh model: the run's layers, other initial weights (the CNN is built from another seed;
    // the MLP keeps the run's seed, which its dropout layers draw their masks from, and gets the
    // weights of another seed's init).
    auto other = nn::buildModel(s.model, m_cpu, s.shape, 3, s.options.seed + 100);
    auto fresh = kind == "cnn" ? std::move(other)
                               : nn::buildModel(s.model, m_cpu, s.shape, 3, s.options.seed);
    if (other)
        QVERIFY(nn::restoreTensors(nn::captureTensors(nn::parametersOf(*other)),
                                   nn::parametersOf(*fresh)));
    QVERIFY(test::valuesOf(nn::parametersOf(*fresh))
            != test::valuesOf(nn::parametersOf(*reference)));

    train::Trainer trainer(m_cpu, *fresh, s.options);
    const common::Result resumed = trainer.resume(*checkpoint);
    QVERIFY2(resumed, resumed ? "" : resumed.error().message().c_str());
    StoppingSink after;
    const auto summary = trainer.fit(train, &test, after);
    QVERIFY(!summary.failure);
    QCOMPARE(summary.steps, int64_t(kind == "mlp" ? 26 : 16));
    QCOMPARE(summary.epochsDone, 2);

    // Points after the checkpoint were reported again by the resumed run, with the same values.
    std::erase_if(before, [&](const Point& p) { return p.step > resumeStep; });
    QVERIFY(!after.points.empty());
    QVERIFY(after.points.front().step > resumeStep);
    before.insert(before.end(), after.points.begin(), after.points.end());
    QCOMPARE(before.size(), referenceSink.points.size());
    for (size_t i = 0; i < before.size(); ++i) {
        const Point& got = before[i];
        const Point& want = referenceSink.points[i];
        QVERIFY2(got == want,
                 qPrintable(QString("point %1: %2 %3 = %4, expected %5 %6 = %7")
                                    .arg(i)
                                    .arg(got.name.c_str())
                                    .arg(got.step)
                                    .arg(got.value, 0, 'g', 17)
                                    .arg(want.name.c_str())
                                    .arg(want.step)
                                    .arg(want.value, 0, 'g', 17)));
    }
    QCOMPARE(test::valuesOf(nn::parametersOf(*fresh)),
             test::valuesOf(nn::parametersOf(*reference)));
    QCOMPARE(test::valuesOf(fresh->buffers()), test::valuesOf(reference->buffers()));
}

void TstResume::checkpointOfAnotherRunIsRefused_data()
{
    QTest::addColumn<QString>("change");
    QTest::addColumn<QString>("expected");
    QTest::newRow("another optimizer") << "optimizer"
                                       << "the checkpoint's optimizer is 'sgd', the run's 'adam'";
    QTest::newRow("another seed: other batches") << "seed"
                                                 << "saved with seed 7, the run has seed 8";
    QTest::newRow("another model spec") << "spec"
                                        << "saved for the model {\"type\":\"mlp\"}";
    QTest::newRow("a model built from another seed: other dropout masks")
            << "model seed"
            << "the dropout layer 'dense1_dropout' draws its masks from seed 1009";
}

void TstResume::checkpointOfAnotherRunIsRefused()
{
    QFETCH(QString, change);
    QFETCH(QString, expected);
    const std::string path = (m_dir.path() + "/refused.tsckpt").toStdString();
    trainUntil("mlp", StoppingSink::Stop::Cancel, 4, 100, path);
    auto checkpoint = nn::loadCheckpoint(path);
    QVERIFY(checkpoint);

    Setup s = setupOf("mlp");
    uint64_t modelSeed = s.options.seed;
    if (change == "optimizer")
        s.options.optimizer.type = "adam";
    else if (change == "seed")
        s.options.seed = 8;
    else if (change == "spec")
        s.options.modelSpecJson = "{\"type\":\"mlp\",\"hidden\":[16]}";
    else
        modelSeed += 1;
    auto model = nn::buildModel(s.model, m_cpu, s.shape, 3, modelSeed);
    train::Trainer trainer(m_cpu, *model, s.options);
    const common::Result resumed = trainer.resume(*checkpoint);
    QVERIFY(!resumed);
    QCOMPARE(resumed.error().kind(), common::ErrorKind::InvalidInput);
    QVERIFY2(QString::fromStdString(resumed.error().message()).contains(expected),
             resumed.error().message().c_str());
}

void TstResume::checkpointThatDoesNotFitTheDataStopsTraining()
{
    const std::string path = (m_dir.path() + "/other-data.tsckpt").toStdString();
    trainUntil("mlp", StoppingSink::Stop::Cancel, 12, 100, path); // epoch 0, batch 12 of 13
    auto checkpoint = nn::loadCheckpoint(path);
    QVERIFY(checkpoint);
    Setup s = setupOf("mlp");
    auto model = nn::buildModel(s.model, m_cpu, s.shape, 3, s.options.seed);
    train::Trainer trainer(m_cpu, *model, s.options);
    QVERIFY(trainer.resume(*checkpoint));
    StoppingSink sink;
    const auto summary = trainer.fit(randomDataset(80, s.shape, 3, 1), nullptr, sink); // 10 batches
    QVERIFY(summary.failure);
    QCOMPARE(summary.failure->kind(), common::ErrorKind::InvalidInput);
    QVERIFY2(summary.failure->message().find("does not fit the 10 batches per epoch")
                     != std::string::npos,
             summary.failure->message().c_str());
    QVERIFY(sink.points.empty());
}

void TstResume::failedSaveStopsTraining()
{
    Setup s = setupOf("mlp");
    s.options.checkpointEvery = 4;
    s.options.checkpointPath = (m_dir.path() + "/no-such-folder/run.tsckpt").toStdString();
    auto model = nn::buildModel(s.model, m_cpu, s.shape, 3, s.options.seed);
    train::Trainer trainer(m_cpu, *model, s.options);
    StoppingSink sink;
    const auto summary = trainer.fit(randomDataset(100, s.shape, 3, 1), nullptr, sink);
    QVERIFY(summary.failure);
    QCOMPARE(summary.failure->kind(), common::ErrorKind::Io);
    QVERIFY2(summary.failure->message().starts_with("saving the checkpoint of step 4: "),
             summary.failure->message().c_str());
    QCOMPARE(summary.steps, int64_t(4));
    QVERIFY(!summary.cancelled);
}

QTEST_APPLESS_MAIN(TstResume)
#include "tst_resume.moc"
