// The parameter server's consistency modes (dist/parameter_server.h, dist/consistency.h) with
// scripted workers (dist/ps_client.h) as threads on loopback, one of them slow: sync applies one
// update per step with staleness 0; bounded staleness never lets a recorded staleness exceed its
// bound s and lets the fast workers run ahead up to it; async lets them run further; a mode
// schedule changes the mode between epochs. Keys split over servers at tensor bounds; a push out
// of order or of the wrong size is refused naming the worker.
#include "common/data_planes.h"
#include "dist/parameter_server.h"
#include "dist/ps_client.h"

#include <QtTest/QTest>

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>

using namespace ts;
using dist::Consistency;

namespace {

constexpr size_t Keys = 1000;

struct Outcome
{
    std::string serverError;
    std::vector<std::string> workerErrors;
    std::map<int, std::vector<int64_t>> staleness; // worker -> by applied push
    int64_t updates = 0;
    std::vector<float> finalWeights;
};

// `workers` workers (ranks 0 ..) of `steps` steps against one server (the last rank); worker 0
// sleeps `slowMs` before each push. Each pushes a gradient of ones; the server's update is SGD
// with rate 1, so every applied update lowers each weight by one.
Outcome run(int workers, int64_t steps, int64_t stepsPerEpoch,
            std::vector<dist::ConsistencyPhase> phases, int slowMs)
{
    Outcome out;
    auto planes = testing::connectedPlanes(workers + 1);
    if (planes.empty()) {
        out.serverError = "no data planes";
        return out;
    }
    const int serverRank = workers;
    dist::ServerConfig config;
    for (int w = 0; w < workers; ++w)
        config.workers.push_back(w);
    config.stepsPerEpoch = stepsPerEpoch;
    config.consistency = std::move(phases);
    std::mutex mutex;
    dist::ParameterServer server(
            *planes[size_t(serverRank)], config, std::vector<float>(Keys, 0.0f),
            [](std::span<const float> gradient, int64_t, std::span<float> weights) {
                for (size_t i = 0; i < weights.size(); ++i)
                    weights[i] -= gradient[i];
            },
            [&](int worker, int64_t, int64_t staleness) {
                std::lock_guard lock(mutex);
                out.staleness[worker].push_back(staleness);
            });
    out.workerErrors.resize(size_t(workers));
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
        threads.emplace_back([&, w] {
            dist::PsClient client(*planes[size_t(w)], { { serverRank, 0, Keys } },
                                  std::chrono::seconds(20));
            std::vector<float> weights(Keys), gradient(Keys, 1.0f);
            for (int64_t step = 0; step < steps; ++step) {
                auto pulled = client.wait(client.pull(step), weights);
                if (!pulled) {
                    out.workerErrors[size_t(w)] = pulled.error().message();
                    return;
                }
                if (w == 0 && slowMs > 0)
                    std::this_thread::sleep_for(std::chrono::milliseconds(slowMs));
                if (auto pushed = client.push(step, 8, gradient); !pushed) {
                    out.workerErrors[size_t(w)] = pushed.error().message();
                    return;
                }
            }
            (void)client.done();
        });
    if (auto served = server.run(nullptr); !served)
        out.serverError = served.error().message();
    for (auto& t : threads)
        t.join();
    out.updates = server.updatesApplied();
    out.finalWeights = server.weights();
    return out;
}

int64_t largest(const Outcome& out)
{
    int64_t most = 0;
    for (const auto& [worker, values] : out.staleness)
        for (int64_t v : values)
            most = std::max(most, v);
    return most;
}

} // namespace

class TestParameterServer final : public QObject
{
    Q_OBJECT

private slots:
    void consistencyModes_data()
    {
        QTest::addColumn<int>("mode");
        QTest::addColumn<int>("bound");
        QTest::addColumn<int>("workers");
        QTest::newRow("sync, 3 workers") << int(Consistency::Sync) << 0 << 3;
        QTest::newRow("ssp s=0, 3 workers") << int(Consistency::BoundedStaleness) << 0 << 3;
        QTest::newRow("ssp s=1, 2 workers") << int(Consistency::BoundedStaleness) << 1 << 2;
        QTest::newRow("ssp s=3, 3 workers") << int(Consistency::BoundedStaleness) << 3 << 3;
        QTest::newRow("async, 3 workers") << int(Consistency::Async) << 0 << 3;
    }
    void consistencyModes()
    {
        QFETCH(int, mode);
        QFETCH(int, bound);
        QFETCH(int, workers);
        const int64_t steps = 30;
        const auto m = Consistency(mode);
        const Outcome out = run(workers, steps, steps, { { 0, m, bound } }, 5);
        QVERIFY2(out.serverError.empty(), out.serverError.c_str());
        for (const std::string& e : out.workerErrors)
            QVERIFY2(e.empty(), e.c_str());
        QCOMPARE(int(out.staleness.size()), workers);
        for (const auto& [worker, values] : out.staleness)
            QCOMPARE(int64_t(values.size()), steps);
        // Sync averages a step's pushes into one update; the others apply every push.
        const int64_t updates = m == Consistency::Sync ? steps : steps * workers;
        QCOMPARE(out.updates, updates);
        QCOMPARE(out.finalWeights.front(), -float(updates));
        const int64_t most = largest(out);
        if (m == Consistency::Sync)
            QCOMPARE(most, int64_t(0));
        if (m == Consistency::BoundedStaleness) {
            QVERIFY2(most <= bound,
                     qPrintable(QString("staleness %1 > bound %2").arg(most).arg(bound)));
            // The fast workers did run ahead of the slow one, as far as the bound allows.
            QCOMPARE(most, int64_t(bound));
        }
        if (m == Consistency::Async)
            QVERIFY2(most > 3, qPrintable(QString("async: largest staleness only %1").arg(most)));
    }

    void modeChangesBetweenEpochs()
    {
        // Epoch 0 async, epoch 1 sync, epoch 2 ssp with bound 1 (10 steps each).
        const Outcome out = run(2, 30, 10,
                                { { 0, Consistency::Async, 0 },
                                  { 1, Consistency::Sync, 0 },
                                  { 2, Consistency::BoundedStaleness, 1 } },
                                5);
        QVERIFY2(out.serverError.empty(), out.serverError.c_str());
        // 2 x 10 async pushes, 10 sync steps, 2 x 10 ssp pushes.
        QCOMPARE(out.updates, int64_t(20 + 10 + 20));
        for (const auto& [worker, values] : out.staleness) {
            QCOMPARE(int(values.size()), 30);
            for (int64_t step = 10; step < 20; ++step)
                QCOMPARE(values[size_t(step)], int64_t(0));
            for (int64_t step = 20; step < 30; ++step)
                QVERIFY(values[size_t(step)] <= 1);
        }
    }

    void keysSplitAtTensorBounds_data()
    {
        QTest::addColumn<std::vector<size_t>>("sizes");
        QTest::addColumn<int>("servers");
        QTest::addColumn<std::vector<size_t>>("counts");
        QTest::newRow("one server holds all")
                << std::vector<size_t> { 10, 20, 30 } << 1 << std::vector<size_t> { 60 };
        QTest::newRow("two servers, balanced") << std::vector<size_t> { 100, 10, 100, 10 } << 2
                                               << std::vector<size_t> { 110, 110 };
        QTest::newRow("a large first tensor")
                << std::vector<size_t> { 1000, 1, 1, 1 } << 2 << std::vector<size_t> { 1000, 3 };
        QTest::newRow("as many servers as tensors")
                << std::vector<size_t> { 5, 6, 7 } << 3 << std::vector<size_t> { 5, 6, 7 };
    }
    void keysSplitAtTensorBounds()
    {
        QFETCH(std::vector<size_t>, sizes);
        QFETCH(int, servers);
        QFETCH(std::vector<size_t>, counts);
        std::vector<int> ranks;
        for (int s = 0; s < servers; ++s)
            ranks.push_back(10 + s);
        auto ranges = dist::partitionKeys(sizes, ranks);
        QVERIFY(ranges);
        QCOMPARE(ranges->size(), counts.size());
        size_t offset = 0;
        for (size_t s = 0; s < counts.size(); ++s) {
            QCOMPARE((*ranges)[s].server, ranks[s]);
            QCOMPARE((*ranges)[s].offset, offset);
            QCOMPARE((*ranges)[s].count, counts[s]);
            offset += counts[s];
        }
    }
    void moreServersThanTensorsIsRefused()
    {
        auto ranges = dist::partitionKeys({ 5, 6 }, { 2, 3, 4 });
        QVERIFY(!ranges);
        QCOMPARE(QString::fromStdString(ranges.error().message()),
                 "3 parameter servers for a model of 2 parameter tensors: each server needs at "
                 "least one");
    }

    void badPushesAreRefusedNamingTheWorker_data()
    {
        QTest::addColumn<int64_t>("step");
        QTest::addColumn<int>("values");
        QTest::addColumn<QString>("expected");
        QTest::newRow("a step out of order")
                << int64_t(5) << int(Keys) << "worker rank 0 pushed step 5, expected step 0";
        QTest::newRow("the wrong number of keys")
                << int64_t(0) << 7 << "worker rank 0 pushed 7 values; the server holds 1000 keys";
    }
    void badPushesAreRefusedNamingTheWorker()
    {
        QFETCH(int64_t, step);
        QFETCH(int, values);
        QFETCH(QString, expected);
        auto planes = testing::connectedPlanes(2);
        QCOMPARE(int(planes.size()), 2);
        dist::ServerConfig config;
        config.workers = { 0 };
        dist::ParameterServer server(*planes[1], config, std::vector<float>(Keys, 0.0f),
                                     [](std::span<const float>, int64_t, std::span<float>) {});
        dist::PsClient client(*planes[0], { { 1, 0, size_t(values) } });
        QVERIFY(client.push(step, 8, std::vector<float>(size_t(values), 1.0f)));
        const common::Result served = server.run(nullptr);
        QVERIFY(!served);
        QCOMPARE(QString::fromStdString(served.error().message()),
                 "parameter server (rank 1): " + expected);
    }
};

QTEST_GUILESS_MAIN(TestParameterServer)
#include "tst_parameter_server.moc"
