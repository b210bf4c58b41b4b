// A job of two ranks on three trainstudio-agent processes: the ranks are placed on two agents,
// report their data-plane sockets, get the rendezvous table and reach each other over the job's
// own CURVE key, and each trains its half of the training rows (worker 0 and worker 1 in the
// run). The agent of one rank is then SIGKILLed: the other rank is stopped, and the job resumes
// with both ranks from rank 0's last checkpoint, on the two agents left, and finishes.
#include "cluster/coordinator_server.h"
#include "integration_support.h"
#include "net/curve_keys.h"
#include "store/experiment_store.h"

#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

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

} // namespace

class TestMultiRankJob final : public QObject
{
    Q_OBJECT

private slots:
    void twoRanksRendezvousTrainShardsAndResumeTogether()
    {
        QTemporaryDir dir;
        auto serverKeys = net::generateKeyPair();
        QVERIFY(serverKeys);
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        cluster::CoordinatorOptions options;
        options.endpoint = "tcp://127.0.0.1:*";
        options.keys = *serverKeys;
        options.storePath = storePath;
        options.heartbeatTimeout = std::chrono::milliseconds(1500);
        auto& agents = m_agents;
        const QStringList ids { "agent-1", "agent-2", "agent-3" };
        for (const QString& id : ids) {
            QProcess init;
            init.start(Agent, { "--init", "--keys", dir.filePath("keys-" + id) });
            QVERIFY(init.waitForFinished(30000));
            options.allowedAgents.insert(
                    net::loadKeyPair(dir.filePath("keys-" + id).toStdString(), "agent")->publicKey);
        }
        auto coordinator = cluster::CoordinatorServer::start(options);
        QVERIFY(coordinator);
        for (const QString& id : ids) {
            auto agent = std::make_unique<QProcess>();
            agent->setProcessChannelMode(QProcess::ForwardedErrorChannel);
            agent->start(Agent,
                         { "--keys", dir.filePath("keys-" + id), "--id", id, "--coordinator",
                           QString::fromStdString((*coordinator)->endpoint()), "--coordinator-key",
                           QString::fromStdString(serverKeys->publicKey), "--heartbeat-ms", "200",
                           "--data-root", TS_SOURCE_DIR "/resources", "--data-plane-host",
                           "127.0.0.1", "--work-dir", dir.filePath("work-" + id) });
            QVERIFY(agent->waitForStarted());
            agents[id.toStdString()] = std::move(agent);
        }
        QVERIFY(waitFor([&] { return (*coordinator)->agents().size() == 3; }, 15000));

        QFile file(TS_SOURCE_DIR "/resources/pipelines/fashion-tabular.json");
        QVERIFY(file.open(QIODevice::ReadOnly));
        const std::string pipeline = QString::fromUtf8(file.readAll())
                                             .replace("\"epochs\": 30", "\"epochs\": 200")
                                             .toStdString();
        int64_t id = 0;
        {
            auto store = store::ExperimentStore::open(storePath);
            QVERIFY(store);
            id = *(*store)->submitJob({ "cluster", "two-ranks", pipeline,
                                        TS_SOURCE_DIR "/resources/pipelines", 0, 50, 2 });
        }
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
        // Both workers trained; each on about half of the 2,400 training rows.
        for (int worker : { 0, 1 }) {
            auto loss = (*store)->metricSeries(done.run, "train_loss", worker);
            QVERIFY(loss && !loss->empty());
        }
        const auto details = *(*store)->runDetails(done.run);
        const int trainRows = std::stoi(paramOf(details, "data.trainRows"));
        QVERIFY2(trainRows > 1000 && trainRows < 1400, std::to_string(trainRows).c_str());
        QCOMPARE(paramOf(details, "source.selection"), std::string("shard 0 of 2")); // rank 0's
        QCOMPARE((*store)->workers(done.run)->size(), size_t(2));
    }

    void cleanupTestCase()
    {
        for (auto& [name, agent] : m_agents)
            if (agent->state() == QProcess::Running) {
                agent->terminate();
                agent->waitForFinished(10000);
            }
    }

private:
    std::map<std::string, std::unique_ptr<QProcess>> m_agents;
};

QTEST_GUILESS_MAIN(TestMultiRankJob)
#include "tst_multi_rank_job.moc"
