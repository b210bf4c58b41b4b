// Pipeline parallelism (train/pipeline_stage.h): an MLP cut into 2 and 3 stages, each a thread
// with its own CPU backend and data plane on loopback, trained with micro-batches, ends with the
// weights of the unsplit network trained on the whole batches (within 1e-5 relative, after 20
// steps and more) and the same test accuracy. Stages are balanced by parameters; dropout and
// batches that do not cut into the micro-batches are refused.
#include "common/data_planes.h"
#include "common/synthetic_data.h"
#include "common/training_checks.h"
#include "nn/checkpoint.h" // for parametersOf
#include "nn/model_factory.h"
#include "tensor/backend_registry.h"
#include "train/pipeline_stage.h"

#include <QtTest/QTest>

#include <cmath>
#include <map>
#include <thread>

using namespace ts;

namespace {

constexpr uint64_t Seed = 11;

class NoSink final : public train::MetricSink
{
public:
    void onMetric(const std::string&, int64_t, double) override {}
};

std::unique_ptr<nn::Sequential> mlp(tensor::Backend& backend, float dropout = 0)
{
    nn::ModelSpec spec;
    spec.hidden = { 32, 24, 16 };
    spec.dropout = dropout;
    return nn::buildModel(spec, backend, { 20 }, 4, Seed);
}

} // namespace

class TestPipelineParallel final : public QObject
{
    Q_OBJECT

private slots:
    void stagesBalanceParameters_data()
    {
        QTest::addColumn<int>("stages");
        QTest::addColumn<std::vector<size_t>>("firsts");
        // dense1(20->32) relu dense2(32->24) relu dense3(24->16) relu dense4(16->4):
        // 672, 792, 400, 68 parameters.
        QTest::newRow("1 stage") << 1 << std::vector<size_t> { 0 };
        QTest::newRow("2 stages") << 2 << std::vector<size_t> { 0, 2 };
        QTest::newRow("3 stages") << 3 << std::vector<size_t> { 0, 2, 4 };
        QTest::newRow("4 stages, one layer each") << 4 << std::vector<size_t> { 0, 2, 4, 6 };
    }
    void stagesBalanceParameters()
    {
        QFETCH(int, stages);
        QFETCH(std::vector<size_t>, firsts);
        auto backend = tensor::createCpuBackend(1);
        auto model = mlp(*backend);
        auto cut = train::balanceStages(*model, stages);
        QVERIFY(cut);
        QCOMPARE(*cut, firsts);
    }
    void tooManyStagesAreRefused()
    {
        auto backend = tensor::createCpuBackend(1);
        auto model = mlp(*backend);
        auto cut = train::balanceStages(*model, 5);
        QVERIFY(!cut);
        QCOMPARE(QString::fromStdString(cut.error().message()),
                 "a network with 4 layers of parameters cannot be split into 5 pipeline stages");
    }

    void equalsTheUnsplitNetwork_data()
    {
        QTest::addColumn<int>("stages");
        QTest::addColumn<int>("micro");
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<int>("epochs");
        QTest::addColumn<bool>("gpu");
        QTest::newRow("2 stages, 4 micro-batches, sgd, 20 steps") << 2 << 4 << "sgd" << 1 << false;
        QTest::newRow("3 stages, 2 micro-batches, adam, 20 steps")
                << 3 << 2 << "adam" << 1 << false;
        QTest::newRow("4 stages, 8 micro-batches, sgd, 2 epochs") << 4 << 8 << "sgd" << 2 << false;
        // Stages on one GPU (each its own backend and stream), against the unsplit network there.
        QTest::newRow("GPU: 2 stages, 4 micro-batches, adam") << 2 << 4 << "adam" << 1 << true;
        QTest::newRow("GPU: 3 stages, 2 micro-batches, sgd, 2 epochs")
                << 3 << 2 << "sgd" << 2 << true;
    }
    void equalsTheUnsplitNetwork()
    {
        QFETCH(int, stages);
        QFETCH(int, micro);
        QFETCH(QString, optimizer);
        QFETCH(int, epochs);
        QFETCH(bool, gpu);
        const auto makeBackend = [gpu]() -> std::unique_ptr<tensor::Backend> {
            if (!gpu)
                return tensor::createCpuBackend(1);
            auto cuda = tensor::createCudaBackend(0);
            return cuda ? std::move(*cuda) : nullptr;
        };
        if (gpu)
            if (auto cuda = tensor::createCudaBackend(0); !cuda)
                QSKIP(qPrintable("no GPU: " + QString::fromStdString(cuda.error().message())));
        const data::Dataset train =
                testing::separableRows(16 * 20 + 9, 20, 4, 3); // a short last batch
        const data::Dataset test = testing::separableRows(300, 20, 4, 4);
        // The unsplit network, batches of 16.
        auto backend = makeBackend();
        auto whole = mlp(*backend);
        train::TrainOptions options { epochs, 16, Seed, testing::optimizerNamed(optimizer), 5 };
        train::Trainer trainer(*backend, *whole, options);
        NoSink sink;
        const train::TrainSummary reference = trainer.fit(train, &test, sink);
        QCOMPARE(reference.steps, int64_t(21 * epochs));

        auto planes = testing::connectedPlanes(stages);
        QCOMPARE(int(planes.size()), stages);
        std::vector<std::map<std::string, std::vector<float>>> weights(static_cast<size_t>(stages));
        std::vector<train::TrainSummary> summaries(static_cast<size_t>(stages));
        std::vector<std::thread> threads;
        for (int r = 0; r < stages; ++r)
            threads.emplace_back([&, r] {
                auto own = makeBackend();
                auto model = mlp(*own);
                const std::vector<size_t> firsts = *train::balanceStages(*model, stages);
                train::PipelineOptions pipeline;
                pipeline.epochs = epochs;
                pipeline.batchSize = 16;
                pipeline.microBatches = micro;
                pipeline.seed = Seed;
                pipeline.optimizer = testing::optimizerNamed(optimizer);
                pipeline.logEvery = 5;
                train::PipelineStage stage(*own, *model, *planes[size_t(r)], firsts, pipeline);
                NoSink stageSink;
                summaries[size_t(r)] = stage.fit(train, &test, stageSink);
                const size_t end = r + 1 < stages ? firsts[size_t(r + 1)] : model->layers().size();
                for (size_t l = firsts[size_t(r)]; l < end; ++l)
                    for (const nn::Parameter* p : model->layers()[l]->parameters())
                        weights[size_t(r)][p->name] = p->value.toHost();
            });
        for (auto& t : threads)
            t.join();
        for (const train::TrainSummary& s : summaries) {
            QVERIFY2(!s.failure, s.failure ? s.failure->message().c_str() : "");
            QCOMPARE(s.steps, reference.steps);
        }
        size_t compared = 0;
        for (const nn::Parameter* p : whole->parameters()) {
            for (const auto& stageWeights : weights) {
                const auto found = stageWeights.find(p->name);
                if (found == stageWeights.end())
                    continue;
                const double error = testing::relativeError(found->second, p->value.toHost());
                QVERIFY2(error <= 1e-5,
                         qPrintable(
                                 QString("%1: relative error %2").arg(p->name.c_str()).arg(error)));
                ++compared;
            }
        }
        QCOMPARE(compared, whole->parameters().size()); // every parameter, on exactly one stage
        const train::TrainSummary& last = summaries.back();
        QVERIFY(std::abs(last.test.accuracy - reference.test.accuracy) <= 1.0 / test.rows);
        QVERIFY(std::abs(last.test.loss - reference.test.loss) <= 1e-4);
        QVERIFY(reference.test.accuracy > 0.5); // it learned
    }

    void refusals_data()
    {
        QTest::addColumn<float>("dropout");
        QTest::addColumn<int>("micro");
        QTest::addColumn<QString>("expected");
        QTest::newRow("dropout") << 0.2f << 4
                                 << "pipeline stages recompute their forward passes, which would "
                                    "draw new dropout masks";
        QTest::newRow("a batch that does not cut")
                << 0.0f << 3 << "a batch of 16 rows cannot be cut into 3 equal micro-batches";
    }
    void refusals()
    {
        QFETCH(float, dropout);
        QFETCH(int, micro);
        QFETCH(QString, expected);
        auto planes = testing::connectedPlanes(1);
        auto backend = tensor::createCpuBackend(1);
        auto model = mlp(*backend, dropout);
        train::PipelineOptions options;
        options.batchSize = 16;
        options.microBatches = micro;
        train::PipelineStage stage(*backend, *model, *planes[0], { 0 }, options);
        NoSink sink;
        const train::TrainSummary s = stage.fit(testing::separableRows(64), nullptr, sink);
        QVERIFY(s.failure);
        QVERIFY2(QString::fromStdString(s.failure->message()).startsWith(expected),
                 s.failure->message().c_str());
    }
};

QTEST_GUILESS_MAIN(TestPipelineParallel)
#include "tst_pipeline_parallel.moc"
