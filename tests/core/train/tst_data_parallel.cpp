// Synchronous data parallelism: N worker ranks as threads, each with its own CPU backend, model
// and data plane on loopback, train like one worker with N times the batch -- the same weights
// within 1e-5 relative after 20 steps and more -- with a ring all-reduce
// (train/allreduce_strategy.h; the ranks also hold bit-identical weights) and with sync
// parameter servers (train/ps_worker_strategy.h, train/parameter_shard.h; one or two server
// ranks as more threads). A rank whose peer is gone fails its step naming the peer.
#include "common/data_planes.h"
#include "common/synthetic_data.h"
#include "common/training_checks.h"
#include "data/batcher.h"
#include "data/idx_reader.h"
#include "dist/ring_allreduce.h"
#include "dist/shared_memory_allreduce.h"
#include "nn/checkpoint.h" // for parametersOf
#include "nn/model_factory.h"
#include "tensor/backend_registry.h"
#include "train/allreduce_strategy.h"
#include "train/parameter_shard.h"
#include "train/ps_worker_strategy.h"
#include "train/trainer.h"

#include <QtCore/QFile>
#include <QtTest/QTest>

#include <cmath>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

using namespace ts;

namespace {

constexpr int64_t Features = 20;
constexpr int64_t Classes = 4;
constexpr uint64_t Seed = 5;

class NoSink final : public train::MetricSink
{
public:
    void onMetric(const std::string&, int64_t, double) override {}
};

struct Trained
{
    std::vector<std::vector<float>> weights; // every parameter, in order
    int64_t steps = 0;
    double testAccuracy = 0;
    std::string failure;
    std::string path; // what summed an all-reduce rank's gradients
};

// How a data-parallel job trains, for every rank of it.
struct Job
{
    nn::OptimizerSpec optimizer;
    int64_t batchSize = 8; // per worker
    int epochs = 1;
    int servers = 0; // parameter servers (the last ranks); 0 = all-reduce
    std::vector<dist::ConsistencyPhase> consistency { dist::ConsistencyPhase {} };
    size_t bucketBytes = 1 << 20;
    bool gpus = false;        // rank r on CUDA device r (the single worker on device 0)
    bool sharedMemory = true; // false: the ring, though every rank is on this machine
    bool sameHost = true;     // false: the ranks' planes connect over TCP with CURVE
    std::vector<int64_t> hidden { 32, 16 };
    std::chrono::milliseconds timeout { 30000 };
};

std::unique_ptr<nn::Sequential> buildModel(tensor::Backend& backend, const data::Dataset& data,
                                           const Job& job)
{
    nn::ModelSpec spec;
    spec.hidden = job.hidden;
    return nn::buildModel(spec, backend, { data.cols }, data.classCount, Seed);
}

// The floats of the model's parameters: its one gradient bucket when they fit bucketBytes.
size_t bucketFloats(const Job& job)
{
    auto backend = tensor::createCpuBackend(1);
    auto model = buildModel(*backend, testing::separableRows(8), job);
    size_t floats = 0;
    for (const auto& [name, tensor] : nn::parametersOf(*model))
        floats += size_t(tensor->size());
    return floats;
}

// One worker rank's (or, with no plane, the single worker's) training of `data`: with
// job.servers server ranks it is a parameter-server worker, else an all-reduce rank.
Trained trainOne(const data::Dataset& data, const data::Dataset* test, const Job& job,
                 dist::DataPlane* plane)
{
    std::unique_ptr<tensor::Backend> backend;
    if (job.gpus) {
        auto cuda = tensor::createCudaBackend(plane ? plane->rank() : 0);
        if (!cuda) {
            Trained failed;
            failed.failure = cuda.error().message();
            return failed;
        }
        backend = std::move(*cuda);
    } else {
        backend = tensor::createCpuBackend(1);
    }
    auto model = buildModel(*backend, data, job);
    train::TrainOptions options { job.epochs, job.batchSize, Seed, job.optimizer, 5 };
    std::unique_ptr<train::UpdateStrategy> strategy;
    if (plane) {
        const int workers = plane->worldSize() - job.servers;
        if (job.servers == 0) {
            strategy = std::make_unique<train::AllReduceStrategy>(*plane, job.bucketBytes,
                                                                  job.timeout, job.sharedMemory);
        } else {
            std::vector<int> serverRanks;
            for (int r = workers; r < plane->worldSize(); ++r)
                serverRanks.push_back(r);
            strategy = std::make_unique<train::PsWorkerStrategy>(*plane, serverRanks, job.timeout);
        }
        options.strategy = strategy.get();
        options.dataRank = plane->rank();
        options.dataRanks = workers;
    }
    train::Trainer trainer(*backend, *model, options);
    NoSink sink;
    const train::TrainSummary summary = trainer.fit(data, test, sink);
    Trained out;
    out.steps = summary.steps;
    out.testAccuracy = summary.test.accuracy;
    if (summary.failure)
        out.failure = summary.failure->message();
    for (const auto& [name, tensor] : nn::parametersOf(*model))
        out.weights.push_back(tensor->toHost());
    if (auto* allReduce = dynamic_cast<train::AllReduceStrategy*>(strategy.get()))
        out.path = allReduce->path();
    return out;
}

using Staleness = std::map<int, std::vector<int64_t>>; // worker -> of its applied updates

// A server rank: serves its shard of a model built as the workers build theirs until they are
// done; returns the error, if any.
std::string serve(dist::DataPlane& plane, const data::Dataset& data, const Job& job, int workers,
                  int64_t stepsPerEpoch, Staleness* staleness, std::mutex* mutex)
{
    auto backend = tensor::createCpuBackend(1);
    auto model = buildModel(*backend, data, job);
    train::ShardOptions options;
    for (int r = 0; r < plane.worldSize(); ++r)
        (r < workers ? options.workers : options.servers).push_back(r);
    options.stepsPerEpoch = stepsPerEpoch;
    options.totalSteps = stepsPerEpoch * job.epochs;
    options.optimizer = job.optimizer;
    options.consistency = job.consistency;
    if (staleness)
        options.onApplied = [=](int worker, int64_t, int64_t stale) {
            std::lock_guard lock(*mutex);
            (*staleness)[worker].push_back(stale);
        };
    const common::Result served = train::serveParameterShard(plane, *model, options, nullptr);
    return served ? std::string() : served.error().message();
}

// The workers' results, by rank (the servers' ranks come after theirs).
std::vector<Trained> trainRanks(const data::Dataset& data, const data::Dataset* test,
                                const Job& job, int workers, Staleness* staleness = nullptr)
{
    auto planes = testing::connectedPlanes(workers + job.servers, job.sameHost);
    std::vector<Trained> results(static_cast<size_t>(workers));
    if (planes.empty())
        return {};
    data::Batcher batcher(data, job.batchSize, Seed);
    batcher.setSlice(0, workers);
    std::vector<std::string> serverErrors(static_cast<size_t>(job.servers));
    std::mutex mutex;
    std::vector<std::thread> threads;
    for (int r = 0; r < workers + job.servers; ++r)
        threads.emplace_back([&, r] {
            dist::DataPlane& plane = *planes[size_t(r)];
            if (r < workers)
                results[size_t(r)] = trainOne(data, test, job, &plane);
            else
                serverErrors[size_t(r - workers)] =
                        serve(plane, data, job, workers, batcher.batchCount(), staleness, &mutex);
        });
    for (auto& t : threads)
        t.join();
    for (const std::string& error : serverErrors)
        if (!error.empty())
            results[0].failure += "server: " + error;
    return results;
}

// The first `rows` rows of `data`, pixels scaled to [0, 1].
data::Dataset firstRows(const data::Dataset& data, int64_t rows)
{
    data::Dataset out = data;
    out.rows = std::min(rows, data.rows);
    out.features.resize(size_t(out.rows * out.cols));
    out.labels.resize(size_t(out.rows));
    for (float& v : out.features)
        v /= 255.0f;
    out.sampleShape.clear();
    return out;
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
        QTest::addColumn<bool>("ring");   // all-reduce on one machine without shared memory
        // 20 steps of 8 rows per worker, all-reduce.
        QTest::newRow("all-reduce, 2 ranks, sgd with momentum, 20 steps")
                << 2 << "sgd" << int64_t(2 * 8 * 20) << 1 << (1 << 20) << int64_t(20) << 0 << false;
        QTest::newRow("all-reduce, 4 ranks, sgd with momentum, 20 steps")
                << 4 << "sgd" << int64_t(4 * 8 * 20) << 1 << (1 << 20) << int64_t(20) << 0 << false;
        QTest::newRow("all-reduce, 2 ranks, adam, 20 steps")
                << 2 << "adam" << int64_t(2 * 8 * 20) << 1 << (1 << 20) << int64_t(20) << 0
                << false;
        QTest::newRow("all-reduce, 4 ranks, adam, 20 steps, a bucket per layer")
                << 4 << "adam" << int64_t(4 * 8 * 20) << 1 << 256 << int64_t(20) << 0 << false;
        // 10 full global batches and one of 7 rows split 2/2/3 (4 ranks: 1/2/2/2), 2 epochs.
        QTest::newRow("all-reduce, 3 ranks, uneven last batch, 2 epochs")
                << 3 << "sgd" << int64_t(3 * 8 * 10 + 7) << 2 << 1024 << int64_t(22) << 0 << false;
        QTest::newRow("all-reduce, 4 ranks, uneven last batch, 2 epochs")
                << 4 << "adam" << int64_t(4 * 8 * 10 + 7) << 2 << 1024 << int64_t(22) << 0 << false;
        // The same through the ring's messages instead of shared memory.
        QTest::newRow("all-reduce over the ring, 2 ranks, adam, 20 steps")
                << 2 << "adam" << int64_t(2 * 8 * 20) << 1 << (1 << 20) << int64_t(20) << 0 << true;
        QTest::newRow("all-reduce over the ring, 4 ranks, uneven last batch, 2 epochs")
                << 4 << "sgd" << int64_t(4 * 8 * 10 + 7) << 2 << 1024 << int64_t(22) << 0 << true;
        // Sync parameter servers: N workers and 1 or 2 server ranks.
        QTest::newRow("sync parameter server, 2 workers, 1 server, sgd with momentum, 20 steps")
                << 2 << "sgd" << int64_t(2 * 8 * 20) << 1 << 0 << int64_t(20) << 1 << false;
        QTest::newRow("sync parameter server, 4 workers, 1 server, adam, 20 steps")
                << 4 << "adam" << int64_t(4 * 8 * 20) << 1 << 0 << int64_t(20) << 1 << false;
        QTest::newRow("sync parameter server, 2 workers, 2 servers, adam, 20 steps")
                << 2 << "adam" << int64_t(2 * 8 * 20) << 1 << 0 << int64_t(20) << 2 << false;
        QTest::newRow("sync parameter server, 4 workers, 2 servers, sgd, uneven last batch")
                << 4 << "sgd" << int64_t(4 * 8 * 10 + 7) << 2 << 0 << int64_t(22) << 2 << false;
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
        QFETCH(bool, ring);
        const data::Dataset data = testing::separableRows(rows);
        Job job;
        job.sharedMemory = !ring;
        job.optimizer = testing::optimizerNamed(optimizer);
        job.epochs = epochs;
        job.servers = servers;
        job.bucketBytes = size_t(bucketBytes);
        Job oneWorker = job;
        oneWorker.batchSize = job.batchSize * ranks;
        const Trained single = trainOne(data, nullptr, oneWorker, nullptr);
        QVERIFY2(single.failure.empty(), single.failure.c_str());
        QCOMPARE(single.steps, steps);
        const std::vector<Trained> ranked = trainRanks(data, nullptr, job, ranks);
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
                const double error = testing::relativeError(rank.weights[t], single.weights[t]);
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
        oneWorker.epochs = 0;
        auto untrained = trainOne(data, nullptr, oneWorker, nullptr);
        QVERIFY(testing::relativeError(single.weights[0], untrained.weights[0]) > 1e-3);
    }

    // CPU ranks have no device collectives: on one machine they sum through shared memory,
    // otherwise (or when told not to) with the ring.
    void cpuRanksSumThroughHostMemory_data()
    {
        QTest::addColumn<bool>("sameHost");
        QTest::addColumn<bool>("sharedMemory");
        QTest::addColumn<QString>("path");
        QTest::newRow("one machine")
                << true << true << "shared-memory all-reduce (every rank on this machine)";
        QTest::newRow("one machine, shared memory off")
                << true << false << "ring all-reduce through host memory";
        QTest::newRow("over TCP, as between machines")
                << false << true << "ring all-reduce through host memory";
    }
    void cpuRanksSumThroughHostMemory()
    {
        QFETCH(bool, sameHost);
        QFETCH(bool, sharedMemory);
        QFETCH(QString, path);
        const data::Dataset data = testing::separableRows(2 * 8 * 4);
        Job job;
        job.optimizer = testing::optimizerNamed("sgd");
        job.sameHost = sameHost;
        job.sharedMemory = sharedMemory;
        const std::vector<Trained> ranked = trainRanks(data, nullptr, job, 2);
        QCOMPARE(int(ranked.size()), 2);
        for (const Trained& rank : ranked) {
            QVERIFY2(rank.failure.empty(), rank.failure.c_str());
            QCOMPARE(QString::fromStdString(rank.path), path);
            QCOMPARE(rank.weights, ranked[0].weights);
        }
    }

    // GPU ranks with NCCL sum on the devices and still equal one worker with 2x the batch.
    void gpuRanksSumWithNcclAndEqualOneWorker()
    {
        auto gpus = tensor::listCudaDevices();
        if (!gpus || gpus->size() < 2)
            QSKIP(qPrintable(
                    QString("needs two GPUs, one per rank (NCCL refuses two ranks of a group on "
                            "one device); this machine has %1")
                            .arg(gpus ? QString::number(gpus->size())
                                      : QString::fromStdString(gpus.error().message()))));
        const data::Dataset data = testing::separableRows(2 * 8 * 20);
        Job job;
        job.optimizer = testing::optimizerNamed("adam");
        job.gpus = true;
        Job oneWorker = job;
        oneWorker.batchSize = 2 * job.batchSize;
        const Trained single = trainOne(data, nullptr, oneWorker, nullptr);
        QVERIFY2(single.failure.empty(), single.failure.c_str());
        const std::vector<Trained> ranked = trainRanks(data, nullptr, job, 2);
        QCOMPARE(int(ranked.size()), 2);
        for (const Trained& rank : ranked) {
            QVERIFY2(rank.failure.empty(), rank.failure.c_str());
            QCOMPARE(rank.path, std::string("NCCL all-reduce on the GPUs"));
            QCOMPARE(rank.steps, int64_t(20));
            for (size_t t = 0; t < single.weights.size(); ++t) {
                QVERIFY(rank.weights[t] == ranked[0].weights[t]);
                const double error = testing::relativeError(rank.weights[t], single.weights[t]);
                QVERIFY2(error <= 1e-5,
                         qPrintable(QString("tensor %1: relative error %2").arg(t).arg(error)));
            }
        }
    }

    // Async and SSP on Fashion-MNIST (2 workers, 1 server, an MLP): test accuracy within 1 point
    // of sync's; SSP's recorded staleness never above its bound, async's beyond it.
    void asyncAndSspConvergeNearSync_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<int>("bound");
        QTest::newRow("async") << int(dist::Consistency::Async) << 0;
        QTest::newRow("ssp s=2") << int(dist::Consistency::BoundedStaleness) << 2;
    }
    void asyncAndSspConvergeNearSync()
    {
        QFETCH(int, mode);
        QFETCH(int, bound);
        const QString folder = QStringLiteral("/usr/share/datasets/fashion-mnist");
        if (!QFile::exists(folder + "/train-images-idx3-ubyte.gz"))
            QSKIP("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
        if (!m_fashion) {
            auto train =
                    data::readIdxDataset((folder + "/train-images-idx3-ubyte.gz").toStdString(),
                                         (folder + "/train-labels-idx1-ubyte.gz").toStdString());
            auto test = data::readIdxDataset((folder + "/t10k-images-idx3-ubyte.gz").toStdString(),
                                             (folder + "/t10k-labels-idx1-ubyte.gz").toStdString());
            QVERIFY(train && test);
            m_fashion.emplace(firstRows(*train, 60000), firstRows(*test, 10000));
        }
        const auto& [train, test] = *m_fashion;
        // Plain SGD (momentum adds to the implicit momentum of asynchrony, Mitliagkas et al.,
        // 2016) on a cosine schedule, so that every mode ends converged rather than mid-bounce.
        Job job;
        job.optimizer.type = "sgd";
        job.optimizer.learningRate = 0.1f;
        job.optimizer.schedule.type = "cosine";
        job.batchSize = 32;
        job.epochs = 3;
        job.servers = 1;
        job.hidden = { 64 };
        if (!m_syncAccuracy) {
            // Sync makes one step of the 2 workers' mean gradient where async and SSP make two
            // steps: by the linear scaling rule (Goyal et al., 2017) it takes twice the rate,
            // for the same progress per sample.
            Job sync = job;
            sync.optimizer.learningRate *= 2;
            const std::vector<Trained> synced = trainRanks(train, &test, sync, 2);
            QCOMPARE(int(synced.size()), 2);
            QVERIFY2(synced[0].failure.empty(), synced[0].failure.c_str());
            m_syncAccuracy = synced[0].testAccuracy;
        }
        job.consistency = { { 0, dist::Consistency(mode), bound } };
        Staleness staleness;
        const std::vector<Trained> ranked = trainRanks(train, &test, job, 2, &staleness);
        QCOMPARE(int(ranked.size()), 2);
        int64_t most = 0;
        for (const auto& [worker, values] : staleness)
            for (int64_t v : values)
                most = std::max(most, v);
        for (const Trained& worker : ranked) {
            QVERIFY2(worker.failure.empty(), worker.failure.c_str());
            qInfo("sync %.4f, %s %.4f (largest staleness %lld)", *m_syncAccuracy,
                  QTest::currentDataTag(), worker.testAccuracy, static_cast<long long>(most));
            QVERIFY2(std::abs(worker.testAccuracy - *m_syncAccuracy) <= 0.01,
                     qPrintable(QString("%1 reached %2, sync %3")
                                        .arg(QTest::currentDataTag())
                                        .arg(worker.testAccuracy)
                                        .arg(*m_syncAccuracy)));
        }
        QVERIFY(*m_syncAccuracy > 0.8);
        QCOMPARE(int(staleness.size()), 2);
        if (dist::Consistency(mode) == dist::Consistency::BoundedStaleness)
            QVERIFY2(most <= bound,
                     qPrintable(QString("staleness %1 above %2").arg(most).arg(bound)));
    }

    void aLostPeerFailsTheStepNamingIt_data()
    {
        QTest::addColumn<bool>("peerJoins");
        QTest::addColumn<bool>("sharedMemory");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("naming");
        QTest::newRow("a peer that never came") << false << true << "agreeing on the all-reduce"
                                                << "from rank 1";
        QTest::newRow("a peer lost after it joined, shared memory")
                << true << true << "step 1: all-reduce of the gradients"
                << "rank(s) 1 did not reach the shared-memory all-reduce";
        QTest::newRow("a peer lost after it joined, ring")
                << true << false << "step 1: all-reduce of the gradients"
                << "from rank 1";
    }
    void aLostPeerFailsTheStepNamingIt()
    {
        QFETCH(bool, peerJoins);
        QFETCH(bool, sharedMemory);
        QFETCH(QString, expected);
        QFETCH(QString, naming);
        auto planes = testing::connectedPlanes(2);
        QCOMPARE(int(planes.size()), 2);
        const data::Dataset data = testing::separableRows(2 * 8 * 4);
        Job job;
        job.optimizer = testing::optimizerNamed("sgd");
        job.timeout = std::chrono::milliseconds(500);
        job.sharedMemory = sharedMemory;
        // Rank 1 never trains (after, maybe, joining as every rank does when its strategy
        // begins: no device collectives here, then the shared memory): rank 0 waits in vain.
        std::thread peer;
        std::unique_ptr<dist::SharedMemoryAllReduce> joined;
        if (peerJoins)
            peer = std::thread([&] {
                std::vector<float> able { 0.0f };
                if (!dist::ringAllReduce(*planes[1], able, "device-group", std::chrono::seconds(5)))
                    return;
                if (sharedMemory) {
                    // The capacity rank 0 asks for: every bucket's values.
                    auto group = dist::SharedMemoryAllReduce::join(*planes[1], bucketFloats(job),
                                                                   std::chrono::seconds(5));
                    if (group)
                        joined = std::move(*group);
                }
            });
        const Trained alone = trainOne(data, nullptr, job, planes[0].get());
        if (peer.joinable())
            peer.join();
        QCOMPARE(alone.steps, int64_t(0));
        QVERIFY2(alone.failure.find(expected.toStdString()) != std::string::npos,
                 alone.failure.c_str());
        QVERIFY2(alone.failure.find(naming.toStdString()) != std::string::npos,
                 alone.failure.c_str());
    }

private:
    std::optional<std::pair<data::Dataset, data::Dataset>> m_fashion; // train (12,000), test
    std::optional<double> m_syncAccuracy;
};

QTEST_GUILESS_MAIN(TestDataParallel)
#include "tst_data_parallel.moc"
