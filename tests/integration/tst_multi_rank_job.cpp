// Jobs of several ranks on three trainstudio-agent processes.
//
// Two ranks, all-reduce (the automatic strategy): the ranks are placed on two agents, report
// their data-plane sockets, get the rendezvous table and reach each other over the job's own
// CURVE key, and train data parallel, summing their gradients every step: both end with the same
// weights, so their test accuracies are equal bit for bit. The agent of one rank is then
// SIGKILLed: the other rank is stopped, and the job resumes with both ranks from rank 0's last
// checkpoint, on the two agents left, and finishes.
//
// Three ranks, parameter server with bounded staleness: two workers and one server; the job
// finishes, and the staleness histogram in the store has both workers, none above the bound.
//
// Three ranks, pipeline parallel: the network's layers in three stages, rank 0 holding the
// last; the job's test accuracy is the unsplit network's (within a row).
//
// Three ranks, a sync parameter server with checkpoints: the agent of worker 1 is SIGKILLed; the
// job pauses and resumes all three ranks from rank 0's checkpoint (the servers from its weights)
// and finishes with both workers holding the same final weights.
//
// Three ranks, an asynchronous parameter server: the agent of worker 1 is SIGKILLed mid-training;
// the job goes on with worker 0 and the server, says so in a worker_lost event, and finishes.
//
// Three ranks, a random forest: each rank grows its third of the trees and sends them to rank 0,
// whose merged forest has the test accuracy of the same forest grown in one process.
#include "cluster/coordinator_server.h"
#include "integration_support.h"
#include "net/curve_keys.h"
#include "store/experiment_store.h"

#include "pipeline/pipeline_parser.h"
#include "train/pipeline_runner.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <algorithm>
#include <csignal>
#include <map>

using namespace ts;

using test::waitFor;

namespace {

const QString& Agent = test::AgentProgram;

std::string paramOf(const store::RunDetails& run, const std::string& key)
{
    for (const auto& [k, v] : run.params)
        if (k == key)
            return v;
    return {};
}

// The tabular example pipeline with `epochs` epochs and, when given, `strategy` (the text of a
// JSON object) as its train stage's strategy.
std::string tabularPipeline(int epochs, const QString& strategy = {})
{
    QFile file(TS_SOURCE_DIR "/resources/pipelines/fashion-tabular.json");
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QString text = QString::fromUtf8(file.readAll())
                           .replace("\"epochs\": 30", QString("\"epochs\": %1").arg(epochs));
    if (!strategy.isEmpty())
        text.replace("\"device\": \"cpu\"", "\"device\": \"cpu\", \"strategy\": " + strategy);
    return text.toStdString();
}

// Queues `pipeline` (its data paths relative to resources/pipelines) as a job of `ranks`
// ranks; its id, or 0.
int64_t submit(const std::string& storePath, const std::string& name, const std::string& pipeline,
               int ranks, int64_t checkpointEvery = 0)
{
    auto store = store::ExperimentStore::open(storePath);
    if (!store)
        return 0;
    auto id = (*store)->submitJob({ "cluster", name, pipeline, TS_SOURCE_DIR "/resources/pipelines",
                                    0, checkpointEvery, ranks });
    return id ? *id : 0;
}

// The tabular example pipeline with `train` as its train stage.
std::string tabularWithTrainStage(const QJsonObject& train)
{
    QJsonObject root =
            QJsonDocument::fromJson(QByteArray::fromStdString(tabularPipeline(30))).object();
    QJsonArray stages = root["stages"].toArray();
    stages[2] = QJsonObject { { "train", train } };
    root["stages"] = stages;
    return QJsonDocument(root).toJson().toStdString();
}

// `pipeline` run in this process with one thread, into a store of its own in `dir`: what the
// job's ranks together must match.
common::Expected<train::RunOutcome> runInThisProcess(const std::string& pipeline,
                                                     const QTemporaryDir& dir)
{
    auto spec =
            pipeline::parsePipeline(pipeline, "local.json", TS_SOURCE_DIR "/resources/pipelines");
    TS_TRY(spec);
    train::RunOptions local;
    local.storePath = dir.filePath("local.sqlite").toStdString();
    local.threads = 1;
    return train::runPipeline(*spec, local, nullptr);
}

int64_t trainRowsOf(const store::RunDetails& run)
{
    return std::stoll(paramOf(run, "data.trainRows"));
}

} // namespace

class TestMultiRankJob final : public QObject
{
    Q_OBJECT

private slots:
    void twoRanksAllReduceAndResumeTogether()
    {
        QTemporaryDir dir;
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        auto coordinator = startCluster(dir, storePath);
        QVERIFY(coordinator);
        auto& agents = m_agents;
        const int64_t id = submit(storePath, "two-ranks", tabularPipeline(200), 2, 50);
        QVERIFY(id > 0);
        const auto jobNow = [&] { return test::jobIn(storePath, id); };
        const auto logCount = [&](const std::string& prefix) {
            auto store = store::ExperimentStore::openReadOnly(storePath);
            if (!store) {
                qWarning("%s", store.error().message().c_str());
                return -1;
            }
            auto lines = (*store)->jobLogs(id);
            if (!lines) {
                qWarning("%s", lines.error().message().c_str());
                return -1;
            }
            int n = 0;
            for (const store::JobLogLine& line : *lines)
                n += line.text.rfind(prefix, 0) == 0;
            return n;
        };
        QVERIFY(waitFor([&] { return logCount("rendezvous: 2 ranks reachable") == 2; }, 60000));
        QVERIFY(waitFor([&] { return jobNow().checkpointStep >= 100; }, 60000));
        const store::JobRecord first = jobNow();
        QCOMPARE(first.placement.size(), size_t(2));
        QVERIFY(first.placement[0].agent != first.placement[1].agent);
        QVERIFY(!first.placement[0].endpoint.empty() && !first.placement[1].endpoint.empty());

        // Kill the agent of rank 1.
        ::kill(pid_t(agents[first.placement[1].agent]->processId()), SIGKILL);
        QVERIFY(waitFor([&] { return jobNow().attempt == 2; }, 15000));
        QVERIFY(waitFor([&] { return logCount("rendezvous: 2 ranks reachable") == 4; }, 60000));
        const store::JobRecord done = test::waitForEnd(storePath, id, 180000);
        QVERIFY2(done.state == store::JobState::Finished, done.message.c_str());
        QCOMPARE(done.attempt, 2);
        for (const store::RankPlacement& p : done.placement)
            QVERIFY(p.agent != first.placement[1].agent);

        auto store = store::ExperimentStore::openReadOnly(storePath);
        QVERIFY(store);
        // Both workers trained, each on its half of every global batch of the 2,400 training
        // rows, and ended with the same weights: the same test accuracy, bit for bit.
        for (int worker : { 0, 1 }) {
            auto loss = (*store)->metricSeries(done.run, "train_loss", worker);
            QVERIFY(loss && !loss->empty());
            auto comm = (*store)->metricSeries(done.run, "time_comm_ms", worker);
            QVERIFY(comm && !comm->empty());
        }
        const auto accuracy0 = *(*store)->metricSeries(done.run, "test_accuracy", 0);
        const auto accuracy1 = *(*store)->metricSeries(done.run, "test_accuracy", 1);
        QVERIFY(!accuracy0.empty());
        QCOMPARE(accuracy0.back().value, accuracy1.back().value);
        QCOMPARE(accuracy0.back().step, accuracy1.back().step);
        const auto details = *(*store)->runDetails(done.run);
        const int trainRows = std::stoi(paramOf(details, "data.trainRows"));
        QVERIFY2(trainRows > 2200 && trainRows < 2600, std::to_string(trainRows).c_str());
        QCOMPARE(paramOf(details, "strategy"), std::string("allreduce, 2 ranks"));
        QCOMPARE((*store)->workers(done.run)->size(), size_t(2));
    }

    void parameterServerWithBoundedStaleness()
    {
        QTemporaryDir dir;
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        auto coordinator = startCluster(dir, storePath);
        QVERIFY(coordinator);
        const std::string pipeline = tabularPipeline(
                4, "{ \"type\": \"parameter_server\", \"mode\": \"ssp\", \"staleness\": 2 }");
        const int64_t id = submit(storePath, "parameter-server", pipeline, 3);
        QVERIFY(id > 0);
        const store::JobRecord done = test::waitForEnd(storePath, id, 180000);
        QVERIFY2(done.state == store::JobState::Finished, done.message.c_str());
        auto store = store::ExperimentStore::openReadOnly(storePath);
        QVERIFY(store);
        const auto details = *(*store)->runDetails(done.run);
        QCOMPARE(paramOf(details, "strategy"),
                 std::string("parameter_server ssp s=2; 2 workers, 1 server(s)"));
        auto histogram = (*store)->stalenessHistogram(done.run);
        QVERIFY(histogram);
        QCOMPARE(int(histogram->counts.size()), 2); // workers 0 and 1
        const int64_t stepsPerWorker = 4 * ((trainRowsOf(details) + 127) / 128);
        for (const auto& [worker, counts] : histogram->counts) {
            QVERIFY2(counts.size() <= 3, "an update more than 2 steps stale");
            int64_t updates = 0;
            for (int64_t c : counts)
                updates += c;
            QVERIFY2(std::abs(updates - stepsPerWorker) <= 4,
                     qPrintable(QString("worker %1: %2 updates, about %3 expected")
                                        .arg(worker)
                                        .arg(updates)
                                        .arg(stepsPerWorker)));
        }
        // Rank 2 served instead of training.
        for (int worker : { 0, 1 })
            QVERIFY(!(*store)->metricSeries(done.run, "train_loss", worker)->empty());
        QVERIFY((*store)->metricSeries(done.run, "train_loss", 2)->empty());
    }

    void syncParameterServerResumesFromItsCheckpoint()
    {
        QTemporaryDir dir;
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        auto coordinator = startCluster(dir, storePath);
        QVERIFY(coordinator);
        const std::string pipeline = tabularPipeline(200, "{ \"type\": \"parameter_server\" }");
        const int64_t id = submit(storePath, "sync-ps", pipeline, 3, 50);
        QVERIFY(id > 0);
        QVERIFY(waitFor([&] { return test::jobIn(storePath, id).checkpointStep >= 100; }, 60000));
        const store::JobRecord first = test::jobIn(storePath, id);
        QVERIFY(first.state == store::JobState::Running);
        ::kill(pid_t(m_agents[first.placement[1].agent]->processId()), SIGKILL); // worker 1's
        const store::JobRecord done = test::waitForEnd(storePath, id, 180000);
        QVERIFY2(done.state == store::JobState::Finished, done.message.c_str());
        QCOMPARE(done.attempt, 2); // paused and resumed, all ranks together
        auto store = store::ExperimentStore::openReadOnly(storePath);
        QVERIFY(store);
        const std::vector<store::RunEvent> events = *(*store)->events(done.run);
        QVERIFY(std::any_of(events.begin(), events.end(),
                            [](const store::RunEvent& e) { return e.kind == "resumed"; }));
        // Sync: both workers end with the servers' final weights.
        const auto a0 = *(*store)->metricSeries(done.run, "test_accuracy", 0);
        const auto a1 = *(*store)->metricSeries(done.run, "test_accuracy", 1);
        QVERIFY(!a0.empty() && !a1.empty());
        QCOMPARE(a0.back().step, a1.back().step);
        QCOMPARE(a0.back().value, a1.back().value);
    }

    void asyncJobGoesOnWithoutALostWorker()
    {
        QTemporaryDir dir;
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        auto coordinator = startCluster(dir, storePath);
        QVERIFY(coordinator);
        const std::string pipeline =
                tabularPipeline(150, "{ \"type\": \"parameter_server\", \"mode\": \"async\" }");
        const int64_t id = submit(storePath, "async", pipeline, 3);
        QVERIFY(id > 0);
        // Once worker 1 is training, its agent dies.
        QVERIFY(waitFor(
                [&] {
                    auto store = store::ExperimentStore::openReadOnly(storePath);
                    const store::JobRecord job = test::jobIn(storePath, id);
                    return store && job.run != 0
                            && !(*store)->metricSeries(job.run, "train_loss", 1)->empty();
                },
                60000));
        const store::JobRecord running = test::jobIn(storePath, id);
        QVERIFY(running.state == store::JobState::Running);
        ::kill(pid_t(m_agents[running.placement[1].agent]->processId()), SIGKILL);
        const store::JobRecord done = test::waitForEnd(storePath, id, 180000);
        QVERIFY2(done.state == store::JobState::Finished, done.message.c_str());
        QCOMPARE(done.attempt, 1); // it went on, it did not start again
        auto store = store::ExperimentStore::openReadOnly(storePath);
        QVERIFY(store);
        std::vector<store::RunEvent> lost;
        const std::vector<store::RunEvent> events = *(*store)->events(done.run);
        for (const store::RunEvent& e : events)
            if (e.kind == "worker_lost")
                lost.push_back(e);
        QCOMPARE(lost.size(), size_t(1));
        QCOMPARE(lost[0].worker, 1);
        QVERIFY2(QString::fromStdString(lost[0].message)
                         .endsWith("the asynchronous job goes on with 1 of 2 workers"),
                 lost[0].message.c_str());
        // Worker 0 trained to the end: its last epoch's evaluation is there.
        const auto accuracy = *(*store)->metricSeries(done.run, "test_accuracy", 0);
        QCOMPARE(accuracy.size(), size_t(150));
    }

    void forestTreesSplitOverRanks()
    {
        QTemporaryDir dir;
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        auto coordinator = startCluster(dir, storePath);
        QVERIFY(coordinator);
        const std::string pipeline = tabularWithTrainStage(
                { { "model", QJsonObject { { "type", "random_forest" }, { "trees", 24 } } },
                  { "seed", 3 },
                  { "threads", 1 } });
        const int64_t id = submit(storePath, "forest", pipeline, 3);
        QVERIFY(id > 0);
        const store::JobRecord done = test::waitForEnd(storePath, id, 180000);
        QVERIFY2(done.state == store::JobState::Finished, done.message.c_str());
        auto store = store::ExperimentStore::openReadOnly(storePath);
        QVERIFY(store);
        // Each rank grew its 8 trees.
        for (int worker : { 0, 1, 2 }) {
            auto grown = (*store)->metricSeries(done.run, "trees_grown", worker);
            QVERIFY(grown);
            QCOMPARE(grown->size(), size_t(8));
        }
        const auto accuracy = *(*store)->metricSeries(done.run, "test_accuracy", 0);
        QCOMPARE(accuracy.size(), size_t(1));
        QCOMPARE(accuracy[0].step, int64_t(24));
        QCOMPARE(paramOf(*(*store)->runDetails(done.run), "strategy"),
                 std::string("random_forest, trees split over 3 ranks"));
        // The same pipeline in one process grows the same 24 trees: the merged forest predicts
        // exactly as they do.
        auto outcome = runInThisProcess(pipeline, dir);
        QVERIFY2(outcome, outcome ? "" : outcome.error().message().c_str());
        QCOMPARE(accuracy[0].value, outcome->summary.test.accuracy);
        QCOMPARE(outcome->summary.steps, int64_t(24));
    }

    void pipelineStagesOverRanks()
    {
        QTemporaryDir dir;
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        auto coordinator = startCluster(dir, storePath);
        QVERIFY(coordinator);
        QJsonObject train {
            { "model", QJsonObject { { "type", "mlp" }, { "hidden", QJsonArray { 64, 32 } } } },
            { "optimizer", QJsonObject { { "type", "sgd" }, { "learningRate", 0.05 } } },
            { "epochs", 3 },
            { "batchSize", 64 },
            { "seed", 7 },
            { "device", "cpu" }
        };
        QJsonObject staged = train;
        staged["strategy"] = QJsonObject { { "type", "pipeline" }, { "microBatches", 4 } };
        const std::string pipeline = tabularWithTrainStage(staged);
        const int64_t id = submit(storePath, "pipeline", pipeline, 3);
        QVERIFY(id > 0);
        const store::JobRecord done = test::waitForEnd(storePath, id, 180000);
        QVERIFY2(done.state == store::JobState::Finished, done.message.c_str());
        auto store = store::ExperimentStore::openReadOnly(storePath);
        QVERIFY(store);
        QCOMPARE(paramOf(*(*store)->runDetails(done.run), "strategy"),
                 std::string("pipeline, 3 stages, 4 micro-batches"));
        // Rank 0 holds the last layers: the run's loss and accuracy are its points.
        const auto accuracy = *(*store)->metricSeries(done.run, "test_accuracy", 0);
        QCOMPARE(accuracy.size(), size_t(3));
        QVERIFY(!(*store)->metricSeries(done.run, "train_loss", 0)->empty());
        for (int worker : { 1, 2 })
            QVERIFY(!(*store)->metricSeries(done.run, "time_comm_ms", worker)->empty());
        // The unsplit network in one process (without the strategy) learns the same.
        auto outcome = runInThisProcess(tabularWithTrainStage(train), dir);
        QVERIFY2(outcome, outcome ? "" : outcome.error().message().c_str());
        const int64_t testRows = outcome->start.testRows;
        QVERIFY2(std::abs(accuracy.back().value - outcome->summary.test.accuracy)
                         <= 1.0 / double(testRows),
                 qPrintable(QString("pipeline %1, unsplit %2")
                                    .arg(accuracy.back().value)
                                    .arg(outcome->summary.test.accuracy)));
    }

    void cleanup() { stopAgents(); }

private:
    // A coordinator with the store at `storePath` and three agents (agent-1 .. agent-3, two CPU
    // slots each) that have registered with it; empty on failure.
    std::unique_ptr<cluster::CoordinatorServer> startCluster(QTemporaryDir& dir,
                                                             const std::string& storePath)
    {
        auto serverKeys = net::generateKeyPair();
        if (!serverKeys)
            return nullptr;
        cluster::CoordinatorOptions options;
        options.endpoint = "tcp://127.0.0.1:*";
        options.keys = *serverKeys;
        options.storePath = storePath;
        options.heartbeatTimeout = std::chrono::milliseconds(1500);
        const QStringList ids { "agent-1", "agent-2", "agent-3" };
        for (const QString& id : ids) {
            QProcess init;
            init.start(Agent, { "--init", "--keys", dir.filePath("keys-" + id) });
            if (!init.waitForFinished(30000))
                return nullptr;
            options.allowedAgents.insert(
                    net::loadKeyPair(dir.filePath("keys-" + id).toStdString(), "agent")->publicKey);
        }
        auto coordinator = cluster::CoordinatorServer::start(options);
        if (!coordinator)
            return nullptr;
        for (const QString& id : ids) {
            auto agent = std::make_unique<QProcess>();
            agent->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            agent->start(Agent,
                         { "--keys", dir.filePath("keys-" + id), "--id", id, "--coordinator",
                           QString::fromStdString((*coordinator)->endpoint()), "--coordinator-key",
                           QString::fromStdString(serverKeys->publicKey), "--heartbeat-ms", "200",
                           "--data-root", TS_SOURCE_DIR "/resources", "--data-plane-host",
                           "127.0.0.1", "--work-dir", dir.filePath("work-" + id), "--slots", "2" });
            if (!agent->waitForStarted())
                return nullptr;
            m_agents[id.toStdString()] = std::move(agent);
        }
        if (!waitFor([&] { return (*coordinator)->agents().size() == 3; }, 15000))
            return nullptr;
        return std::move(*coordinator);
    }

    void stopAgents()
    {
        for (auto& [name, agent] : m_agents)
            if (agent->state() == QProcess::Running) {
                agent->terminate();
                agent->waitForFinished(10000);
            }
        m_agents.clear();
    }

    std::map<std::string, std::unique_ptr<QProcess>> m_agents;
};

QTEST_GUILESS_MAIN(TestMultiRankJob)
#include "tst_multi_rank_job.moc"
