// Synchronous data parallelism: N worker ranks as threads, each with its own CPU backend, model
// and data plane on loopback, train like one worker with N times the batch -- the same weights
// within 1e-5 relative after 20 steps and more -- with a ring all-reduce
// (train/allreduce_strategy.h; the ranks also hold bit-identical weights) and with sync
// parameter servers (train/ps_worker_strategy.h, train/parameter_shard.h; one or two server
// ranks as more threads). A rank whose peer is gone fails its step naming the peer.
#include "common/data_planes.h"
#include "data/batcher.h"
#include "nn/checkpoint.h" // for parametersOf
#include "nn/model_factory.h"
#include "tensor/backend_registry.h"
#include "train/allreduce_strategy.h"
#include "train/parameter_shard.h"
#include "train/ps_worker_strategy.h"
#include "train/trainer.h"

#include <QtTest/QTest>

#include <cmath>
#include <random>
#include <thread>

using namespace ts;

namespace {

constexpr int64_t Features = 20;
constexpr int64_t Classes = 4;
constexpr uint64_t Seed = 5;

// Rows with a learnable class: the label is the index of the largest of the first 4 features.
data::Dataset separableRows(int64_t rows)
{
    data::Dataset d;
    d.rows = rows;
    d.cols = Features;
    d.classCount = Classes;
    std::mt19937_64 g(17);
    std::normal_distribution<float> value(0.0f, 1.0f);
    for (int64_t i = 0; i < rows; ++i) {
        int best = 0;
        for (int64_t c = 0; c < Features; ++c) {
            d.features.push_back(value(g));
            if (c < Classes && d.features.back() > d.features[size_t(i * Features + best)])
                best = int(c);
        }
        d.labels.push_back(float(best));
    }
    return d;
}

class NoSink final : public train::MetricSink
{
public:
    void onMetric(const std::string&, int64_t, double) override {}
};

struct Trained
{
    std::vector<std::vector<float>> weights; // every parameter, in order
    int64_t steps = 0;
    std::string failure;
};

nn::OptimizerSpec optimizerNamed(const QString& name)
{
    nn::OptimizerSpec spec;
    spec.type = name.toStdString();
    spec.learningRate = spec.type == "sgd" ? 0.05f : 0.01f;
    spec.momentum = spec.type == "sgd" ? 0.9f : 0.0f;
    return spec;
}

std::unique_ptr<nn::Sequential> buildModel(tensor::Backend& backend)
{
    nn::ModelSpec spec;
    spec.hidden = { 32, 16 };
    return nn::buildModel(spec, backend, { Features }, Classes, Seed);
}

// One rank's (or, with no plane, the single worker's) training of `data`: with `servers` server
// ranks the ranks below worldSize - servers are parameter-server workers, else all-reduce ranks.
Trained trainOne(const data::Dataset& data, const nn::OptimizerSpec& optimizer, int64_t batchSize,
                 int epochs, dist::DataPlane* plane, size_t bucketBytes, int servers = 0,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30))
{
    auto backend = tensor::createCpuBackend(1);
    auto model = buildModel(*backend);
    train::TrainOptions options { epochs, batchSize, Seed, optimizer, 5 };
    std::unique_ptr<train::UpdateStrategy> strategy;
    if (plane) {
        const int workers = plane->worldSize() - servers;
        if (servers == 0) {
            strategy = std::make_unique<train::AllReduceStrategy>(*plane, bucketBytes, timeout);
        } else {
            std::vector<int> serverRanks;
            for (int r = workers; r < plane->worldSize(); ++r)
                serverRanks.push_back(r);
            strategy = std::make_unique<train::PsWorkerStrategy>(*plane, serverRanks, timeout);
        }
        options.strategy = strategy.get();
        options.dataRank = plane->rank();
        options.dataRanks = workers;
    }
    train::Trainer trainer(*backend, *model, options);
    NoSink sink;
    const train::TrainSummary summary = trainer.fit(data, nullptr, sink);
    Trained out;
    out.steps = summary.steps;
    if (summary.failure)
        out.failure = summary.failure->message();
    for (const auto& [name, tensor] : nn::parametersOf(*model))
        out.weights.push_back(tensor->toHost());
    return out;
}

// A server rank: serves its shard of a model built as the workers build theirs until they are
// done; returns the error, if any.
std::string serve(dist::DataPlane& plane, const nn::OptimizerSpec& optimizer, int workers,
                  int64_t stepsPerEpoch, int epochs)
{
    auto backend = tensor::createCpuBackend(1);
    auto model = buildModel(*backend);
    train::ShardOptions options;
    for (int r = 0; r < plane.worldSize(); ++r)
        (r < workers ? options.workers : options.servers).push_back(r);
    options.stepsPerEpoch = stepsPerEpoch;
    options.totalSteps = stepsPerEpoch * epochs;
    options.optimizer = optimizer;
    const common::Result served = train::serveParameterShard(plane, *model, options, nullptr);
    return served ? std::string() : served.error().message();
}

// The workers' results, by rank (the servers' ranks come after theirs).
std::vector<Trained> trainRanks(const data::Dataset& data, const nn::OptimizerSpec& optimizer,
                                int64_t batchSize, int epochs, int workers, size_t bucketBytes,
                                int servers = 0)
{
    auto planes = testing::connectedPlanes(workers + servers);
    std::vector<Trained> results(static_cast<size_t>(workers));
    if (planes.empty())
        return {};
    data::Batcher batcher(data, batchSize, Seed);
    batcher.setSlice(0, workers);
    std::vector<std::string> serverErrors(static_cast<size_t>(servers));
    std::vector<std::thread> threads;
    for (int r = 0; r < workers + servers; ++r)
        threads.emplace_back([&, r] {
            dist::DataPlane& plane = *planes[size_t(r)];
            if (r < workers)
                results[size_t(r)] =
                        trainOne(data, optimizer, batchSize, epochs, &plane, bucketBytes, servers);
            else
                serverErrors[size_t(r - workers)] =
                        serve(plane, optimizer, workers, batcher.batchCount(), epochs);
        });
    for (auto& t : threads)
        t.join();
    for (const std::string& error : serverErrors)
        if (!error.empty())
            results[0].failure += "server: " + error;
    return results;
}

// max |a - b| / max |b| over one tensor.
double relativeError(const std::vector<float>& a, const std::vector<float>& b)
{
    double diff = 0, scale = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
        scale = std::max(scale, std::abs(double(b[i])));
    }
    return diff / std::max(scale, 1e-12);
}

} // namespace

class TestDataParallel final : public QObject
{
    Q_OBJECT

private slots:
    void nRanksEqualOneWorkerWithNTimesTheBatch_data()
    {
        QTest::addColumn<int>("ranks");
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<int64_t>("rows");
        QTest::addColumn<int>("epochs");
        QTest::addColumn<int>("bucketBytes");
        QTest::addColumn<int64_t>("steps");
        QTest::addColumn<int>("servers"); // 0: all-reduce
        // 20 steps of 8 rows per worker, all-reduce.
        QTest::newRow("all-reduce, 2 ranks, sgd with momentum, 20 steps")
                << 2 << "sgd" << int64_t(2 * 8 * 20) << 1 << (1 << 20) << int64_t(20) << 0;
        QTest::newRow("all-reduce, 4 ranks, sgd with momentum, 20 steps")
                << 4 << "sgd" << int64_t(4 * 8 * 20) << 1 << (1 << 20) << int64_t(20) << 0;
        QTest::newRow("all-reduce, 2 ranks, adam, 20 steps")
                << 2 << "adam" << int64_t(2 * 8 * 20) << 1 << (1 << 20) << int64_t(20) << 0;
        QTest::newRow("all-reduce, 4 ranks, adam, 20 steps, a bucket per layer")
                << 4 << "adam" << int64_t(4 * 8 * 20) << 1 << 256 << int64_t(20) << 0;
        // 10 full global batches and one of 7 rows split 2/2/3 (4 ranks: 1/2/2/2), 2 epochs.
        QTest::newRow("all-reduce, 3 ranks, uneven last batch, 2 epochs")
                << 3 << "sgd" << int64_t(3 * 8 * 10 + 7) << 2 << 1024 << int64_t(22) << 0;
        QTest::newRow("all-reduce, 4 ranks, uneven last batch, 2 epochs")
                << 4 << "adam" << int64_t(4 * 8 * 10 + 7) << 2 << 1024 << int64_t(22) << 0;
        // Sync parameter servers: N workers and 1 or 2 server ranks.
        QTest::newRow("sync parameter server, 2 workers, 1 server, sgd with momentum, 20 steps")
                << 2 << "sgd" << int64_t(2 * 8 * 20) << 1 << 0 << int64_t(20) << 1;
        QTest::newRow("sync parameter server, 4 workers, 1 server, adam, 20 steps")
                << 4 << "adam" << int64_t(4 * 8 * 20) << 1 << 0 << int64_t(20) << 1;
        QTest::newRow("sync parameter server, 2 workers, 2 servers, adam, 20 steps")
                << 2 << "adam" << int64_t(2 * 8 * 20) << 1 << 0 << int64_t(20) << 2;
        QTest::newRow("sync parameter server, 4 workers, 2 servers, sgd, uneven last batch")
                << 4 << "sgd" << int64_t(4 * 8 * 10 + 7) << 2 << 0 << int64_t(22) << 2;
    }
    void nRanksEqualOneWorkerWithNTimesTheBatch()
    {
        QFETCH(int, servers);
        QFETCH(int, ranks);
        QFETCH(QString, optimizer);
        QFETCH(int64_t, rows);
        QFETCH(int, epochs);
        QFETCH(int, bucketBytes);
        QFETCH(int64_t, steps);
        const data::Dataset data = separableRows(rows);
        const nn::OptimizerSpec spec = optimizerNamed(optimizer);
        const Trained single = trainOne(data, spec, 8 * ranks, epochs, nullptr, 0);
        QVERIFY2(single.failure.empty(), single.failure.c_str());
        QCOMPARE(single.steps, steps);
        const std::vector<Trained> ranked =
                trainRanks(data, spec, 8, epochs, ranks, size_t(bucketBytes), servers);
        QCOMPARE(int(ranked.size()), ranks);
        for (int r = 0; r < ranks; ++r) {
            const Trained& rank = ranked[size_t(r)];
            QVERIFY2(rank.failure.empty(), rank.failure.c_str());
            QCOMPARE(rank.steps, steps);
            QCOMPARE(rank.weights.size(), single.weights.size());
            for (size_t t = 0; t < single.weights.size(); ++t) {
                // Bit-identical among the ranks: they applied the same sums (all-reduce) or
                // pulled the same weights (parameter server).
                QVERIFY2(
                        rank.weights[t] == ranked[0].weights[t],
                        qPrintable(
                                QString("rank %1, tensor %2 differs from rank 0's").arg(r).arg(t)));
                const double error = relativeError(rank.weights[t], single.weights[t]);
                QVERIFY2(error <= 1e-5,
                         qPrintable(QString("rank %1, tensor %2: relative error %3 against one "
                                            "worker with %4 x the batch")
                                            .arg(r)
                                            .arg(t)
                                            .arg(error)
                                            .arg(ranks)));
            }
        }
        // The weights moved: equal because both trained, not because neither did.
        auto untrained = trainOne(data, spec, 8 * ranks, 0, nullptr, 0);
        QVERIFY(relativeError(single.weights[0], untrained.weights[0]) > 1e-3);
    }

    void aLostPeerFailsTheStepNamingIt()
    {
        auto planes = testing::connectedPlanes(2);
        QCOMPARE(int(planes.size()), 2);
        const data::Dataset data = separableRows(2 * 8 * 4);
        // Rank 1 never trains: rank 0's first all-reduce waits for it in vain.
        const Trained alone = trainOne(data, optimizerNamed("sgd"), 8, 1, planes[0].get(), 1 << 20,
                                       0, std::chrono::milliseconds(500));
        QCOMPARE(alone.steps, int64_t(0));
        QVERIFY2(alone.failure.find("step 1: all-reduce of the gradients") != std::string::npos,
                 alone.failure.c_str());
        QVERIFY2(alone.failure.find("from rank 1") != std::string::npos, alone.failure.c_str());
    }
};

QTEST_GUILESS_MAIN(TestDataParallel)
#include "tst_data_parallel.moc"
