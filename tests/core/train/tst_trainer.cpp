// The training loop and its data plumbing: batches, prep scaling, learning, reproducibility.
#include "common/fuzzy_compare.h"
#include "data/batcher.h"
#include "data/normalizer.h"
#include "nn/model_factory.h"
#include "tensor/cpu/cpu_backend.h"
#include "train/trainer.h"

#include <QtTest/QTest>

#include <algorithm>
#include <random>
#include <set>

using namespace ts;

namespace {

// `rows` samples of `cols` features in [0, 10) with labels in [0, classes).
data::Dataset randomDataset(int64_t rows, int64_t cols, int64_t classes, uint64_t seed)
{
    data::Dataset d;
    d.rows = rows;
    d.cols = cols;
    d.classCount = classes;
    std::mt19937_64 g(seed);
    for (int64_t i = 0; i < rows * cols; ++i)
        d.features.push_back(float(g() % 1000) / 100.0f);
    for (int64_t i = 0; i < rows; ++i)
        d.labels.push_back(float(g() % uint64_t(classes)));
    return d;
}

class RecordingSink final : public train::MetricSink
{
public:
    void onMetric(const std::string& name, int64_t step, double value) override
    {
        points.push_back({ name, step, value });
    }
    struct Point
    {
        std::string name;
        int64_t step;
        double value;
    };
    std::vector<Point> points;
};

} // namespace

class TstTrainer : public QObject
{
    Q_OBJECT

private slots:
    void batcherCoversEveryRowOncePerEpoch();
    void batcherOrderDependsOnlyOnSeedAndEpoch();
    void batcherStagesBatchesForDevices();
    void normalizer_data();
    void normalizer();
    void overfitsASmallBatch();
    void sameSeedSameWeights();
    void reportsMetricsPerEpoch();
    void followsTheLearningRateSchedule();

private:
    tensor::CpuBackend m_cpu { 1 };
};

void TstTrainer::batcherCoversEveryRowOncePerEpoch()
{
    const auto d = randomDataset(10, 2, 2, 1);
    data::Batcher batcher(d, 4, 7);
    QCOMPARE(batcher.batchCount(), int64_t(3));
    QCOMPARE(batcher.rowsInBatch(2), int64_t(2)); // 10 = 4 + 4 + 2
    batcher.startEpoch(0);
    std::set<int64_t> seen(batcher.order().begin(), batcher.order().end());
    QCOMPARE(seen.size(), size_t(10));
    tensor::Tensor x, y;
    batcher.fill(2, m_cpu, x, y);
    QCOMPARE(x.rows(), int64_t(2));
    const int64_t source = batcher.order()[8];
    QCOMPARE(x.toHost()[0], d.row(source)[0]);
    QCOMPARE(y.toHost()[0], d.labels[size_t(source)]);
}

void TstTrainer::batcherOrderDependsOnlyOnSeedAndEpoch()
{
    const auto d = randomDataset(100, 1, 2, 1);
    data::Batcher a(d, 10, 5), b(d, 10, 5), c(d, 10, 6);
    a.startEpoch(1);
    b.startEpoch(0);
    b.startEpoch(1);
    c.startEpoch(1);
    QCOMPARE(a.order(), b.order());
    QVERIFY(a.order() != c.order());
    b.startEpoch(2);
    QVERIFY(a.order() != b.order());
}

// A CPU backend that says it is a device: batches then go through host staging buffers and
// upload(), as they do for CUDA.
class DeviceLikeBackend final : public tensor::CpuBackend
{
public:
    DeviceLikeBackend()
        : CpuBackend(1)
    {}
    tensor::DeviceKind kind() const override { return tensor::DeviceKind::Cuda; }
    float* allocateHost(size_t count) override
    {
        ++hostAllocations;
        return CpuBackend::allocateHost(count);
    }
    void synchronize() override { ++synchronizations; }
    int hostAllocations = 0;
    int synchronizations = 0;
};

void TstTrainer::batcherStagesBatchesForDevices()
{
    const auto d = randomDataset(10, 3, 2, 1);
    DeviceLikeBackend device;
    data::Batcher batcher(d, 4, 7);
    batcher.startEpoch(0);
    tensor::Tensor x, y;
    for (int64_t b = 0; b < batcher.batchCount(); ++b) {
        batcher.fill(b, device, x, y);
        const auto features = x.toHost();
        for (int64_t i = 0; i < x.rows(); ++i) {
            const int64_t source = batcher.order()[size_t(b * 4 + i)];
            QCOMPARE(features[size_t(i * 3 + 2)], d.row(source)[2]);
            QCOMPARE(y.toHost()[size_t(i)], d.labels[size_t(source)]);
        }
    }
    // One staging buffer each for features and labels, reused; the device is synchronised
    // before a buffer an upload may still be reading is overwritten.
    QCOMPARE(device.hostAllocations, 2);
    QCOMPARE(device.synchronizations, 3);
}

void TstTrainer::normalizer_data()
{
    QTest::addColumn<int>("kind");
    QTest::addColumn<std::vector<float>>("expected");
    // Two features: (0, 5), (10, 5), (20, 5); the second is constant.
    QTest::newRow("unit: one range over all features, into [0, 1]")
            << int(data::ScaleKind::Unit) << std::vector<float> { 0, 0.25f, 0.5f, 0.25f, 1, 0.25f };
    QTest::newRow("min-max: per feature; a constant feature becomes 0")
            << int(data::ScaleKind::MinMax) << std::vector<float> { 0, 0, 0.5f, 0, 1, 0 };
    QTest::newRow("standardize: mean 10, std sqrt(200/3)")
            << int(data::ScaleKind::Standardize)
            << std::vector<float> { -1.2247449f, 0, 0, 0, 1.2247449f, 0 };
    QTest::newRow("none") << int(data::ScaleKind::None)
                          << std::vector<float> { 0, 5, 10, 5, 20, 5 };
}

void TstTrainer::normalizer()
{
    QFETCH(int, kind);
    QFETCH(std::vector<float>, expected);
    data::Dataset d;
    d.rows = 3;
    d.cols = 2;
    d.features = { 0, 5, 10, 5, 20, 5 };
    const auto n = data::Normalizer::fit(d, data::ScaleKind(kind));
    n.apply(d);
    TS_COMPARE_FLOATS(d.features, expected, 1e-6, 1e-7);
}

void TstTrainer::overfitsASmallBatch()
{
    // 32 random points with random labels can only be learned by memorising: a working
    // forward/backward/update loop drives the loss to near zero.
    auto d = randomDataset(32, 8, 4, 3);
    data::Normalizer::fit(d, data::ScaleKind::Standardize).apply(d);
    auto model = nn::buildModel({ .type = "mlp", .hidden = { 64 } }, m_cpu, 8, 4, 1);
    train::Trainer trainer(m_cpu, *model,
                           { 300, 32, 1, { .learningRate = 0.1f, .momentum = 0.9f }, 1000 });
    RecordingSink sink;
    const auto summary = trainer.fit(d, nullptr, sink);
    QCOMPARE(summary.steps, int64_t(300));
    const auto eval = trainer.evaluate(d);
    QVERIFY2(eval.loss < 0.01, qPrintable(QString("loss %1").arg(eval.loss)));
    QCOMPARE(eval.accuracy, 1.0);
}

void TstTrainer::sameSeedSameWeights()
{
    const auto d = randomDataset(200, 5, 3, 4);
    auto trainOnce = [&](uint64_t seed) {
        auto model = nn::buildModel({ .type = "mlp", .hidden = { 16 } }, m_cpu, 5, 3, seed);
        train::Trainer trainer(m_cpu, *model,
                               { 2, 32, seed, { .learningRate = 0.05f, .momentum = 0.9f }, 10 });
        RecordingSink sink;
        trainer.fit(d, nullptr, sink);
        std::vector<float> all;
        for (auto* p : model->parameters()) {
            const auto v = p->value.toHost();
            all.insert(all.end(), v.begin(), v.end());
        }
        return all;
    };
    QCOMPARE(trainOnce(9), trainOnce(9));
    QVERIFY(trainOnce(9) != trainOnce(10));
}

void TstTrainer::reportsMetricsPerEpoch()
{
    const auto train = randomDataset(100, 4, 2, 5);
    const auto test = randomDataset(30, 4, 2, 6);
    auto model = nn::buildModel({ .type = "logistic_regression", .init = nn::InitScheme::Xavier },
                                m_cpu, 4, 2, 1);
    train::Trainer trainer(m_cpu, *model, { 2, 10, 1, { .learningRate = 0.01f }, 4 });
    RecordingSink sink;
    const auto summary = trainer.fit(train, &test, sink);
    auto count = [&](const std::string& name) {
        return std::count_if(sink.points.begin(), sink.points.end(),
                             [&](const auto& p) { return p.name == name; });
    };
    // 10 steps per epoch, logged every 4 steps and at the epoch's end: steps 4, 8, 10.
    QCOMPARE(count("train_loss"), 6);
    QCOMPARE(count("learning_rate"), 6);
    QCOMPARE(count("test_accuracy"), 2);
    QCOMPARE(count("test_loss"), 2);
    QCOMPARE(count("samples_per_second"), 2);
    QCOMPARE(summary.test.rows, int64_t(30));
    const auto last = std::find_if(sink.points.rbegin(), sink.points.rend(),
                                   [](const auto& p) { return p.name == "test_accuracy"; });
    QCOMPARE(last->step, int64_t(20));
    QCOMPARE(last->value, summary.test.accuracy);
}

void TstTrainer::followsTheLearningRateSchedule()
{
    // 2 epochs of 10 steps, logged every 5; the rate of step t (0-based) is 0.1 * 0.5^floor(t/5),
    // and the point at global step n reports the rate of step n - 1.
    const auto train = randomDataset(100, 4, 2, 5);
    auto model = nn::buildModel({ .type = "logistic_regression", .init = nn::InitScheme::Xavier },
                                m_cpu, 4, 2, 1);
    nn::OptimizerSpec optimizer { .type = "adamw", .learningRate = 0.1f, .weightDecay = 0.01f };
    optimizer.schedule = { .type = "step", .stepSize = 5, .gamma = 0.5f };
    optimizer.clipNorm = 1.0;
    train::Trainer trainer(m_cpu, *model, { 2, 10, 1, optimizer, 5 });
    RecordingSink sink;
    trainer.fit(train, nullptr, sink);
    std::vector<std::pair<int64_t, double>> rates;
    for (const auto& p : sink.points)
        if (p.name == "learning_rate")
            rates.emplace_back(p.step, p.value);
    const std::vector<std::pair<int64_t, double>> expected {
        { 5, 0.1 }, { 10, 0.05 }, { 15, 0.025 }, { 20, 0.0125 }
    };
    QCOMPARE(rates.size(), expected.size());
    for (size_t i = 0; i < rates.size(); ++i) {
        QCOMPARE(rates[i].first, expected[i].first);
        QVERIFY(test::fuzzyEqual(rates[i].second, expected[i].second));
    }
}

QTEST_APPLESS_MAIN(TstTrainer)
#include "tst_trainer.moc"
