// Jobs on agents that fail, end to end with real processes on loopback: four trainstudio-agent
// processes and a coordinator, Fashion-MNIST, an MLP checkpointing every 100 steps.
//  - agentKilledMidTraining: the agent running the job is SIGKILLed; the coordinator marks it
//    lost within 5 s, the job resumes from its last checkpoint on another agent and finishes.
//  - coordinatorKilledMidRun: the coordinator (a trainstudio-cli process) is SIGKILLed and
//    started again 6 s later; the agent keeps training, spools its records, re-registers, and the
//    restarted coordinator adopts the job, which finishes.
// In both, the job's run holds exactly the metric rows of the same pipeline run uninterrupted in
// this process -- every (name, worker, step) once -- and the same training losses, bit for bit
// (training is deterministic with one thread), so no row was lost, duplicated or recomputed
// differently.
#include "cluster/coordinator_server.h"
#include "integration_support.h"
#include "net/curve_keys.h"
#include "pipeline/pipeline_parser.h"
#include "store/experiment_store.h"
#include "store/sqlite_handles.h"
#include "train/pipeline_runner.h"

#include <QtCore/QFile>
#include <QtCore/QFileInfo>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <csignal>
#include <map>
#include <memory>
#include <tuple>

using namespace ts;

using test::waitFor;

namespace {

const QString& Agent = test::AgentProgram;
const QString& Cli = test::CliProgram;
const QString Data = QStringLiteral("/usr/share/datasets/fashion-mnist");

QByteArray pipelineJson(int epochs)
{
    return QStringLiteral(R"({ "trainstudio": 1, "name": "failover", "experiment": "cluster",
  "stages": [
    { "source": { "format": "idx",
        "train": { "images": "%1/train-images-idx3-ubyte.gz",
                   "labels": "%1/train-labels-idx1-ubyte.gz" },
        "test": { "images": "%1/t10k-images-idx3-ubyte.gz",
                  "labels": "%1/t10k-labels-idx1-ubyte.gz" } } },
    { "prep": { "scale": "unit" } },
    { "train": { "model": { "type": "mlp", "hidden": [256, 128] },
                 "optimizer": { "type": "sgd", "learningRate": 0.05, "momentum": 0.9 },
                 "epochs": %2, "batchSize": 64, "seed": 7, "threads": 1, "logEvery": 10,
                 "device": "cpu" } },
    { "evaluate": { "metrics": ["accuracy", "loss"] } } ] })")
            .arg(Data)
            .arg(epochs)
            .toUtf8();
}

using Key = std::tuple<std::string, int, int64_t>; // name, worker, step

// Every metric row of `run`: key -> value.
std::map<Key, double> metricRows(const std::string& storePath, int64_t run)
{
    std::map<Key, double> rows;
    sqlite3* db = nullptr;
    sqlite3_open_v2(storePath.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    sqlite3_stmt* stmt = nullptr;
    sqlite3_prepare_v2(db, "SELECT name, worker, step, value FROM metrics WHERE run_id = ?1", -1,
                       &stmt, nullptr);
    sqlite3_bind_int64(stmt, 1, run);
    while (sqlite3_step(stmt) == SQLITE_ROW)
        rows[{ reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
               sqlite3_column_int(stmt, 1), sqlite3_column_int64(stmt, 2) }] =
                sqlite3_column_double(stmt, 3);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return rows;
}

int64_t spooledRecords(const QString& workDir)
{
    const std::string path = (workDir + "/spool.sqlite").toStdString();
    sqlite3* db = nullptr;
    int64_t count = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT count(*) FROM outbox", -1, &stmt, nullptr) == SQLITE_OK
            && sqlite3_step(stmt) == SQLITE_ROW)
            count = sqlite3_column_int64(stmt, 0);
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return count;
}

} // namespace

class TestJobFailover final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void agentKilledMidTraining();
    void coordinatorKilledMidRun();
    void cleanupTestCase();

private:
    std::unique_ptr<QProcess> startAgent(const QString& id, const std::string& endpoint,
                                         const std::string& coordinatorKey);
    // The rows of an uninterrupted run of `pipeline` in this process.
    std::map<Key, double> reference(const QString& pipeline);
    // Rows equal to the reference: same keys; same values where training fixes them.
    void compareWithReference(const std::map<Key, double>& job,
                              const std::map<Key, double>& expected);

    QTemporaryDir m_dir;
    std::map<QString, QString> m_keys; // agent id -> its key folder
    std::vector<std::unique_ptr<QProcess>> m_agents;
};

void TestJobFailover::initTestCase()
{
    if (!QFile::exists(Data + "/train-images-idx3-ubyte.gz"))
        QSKIP("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
    QVERIFY(m_dir.isValid());
    for (const QString id : { "agent-1", "agent-2", "agent-3", "agent-4" }) {
        QProcess init;
        init.start(Agent, { "--init", "--keys", m_dir.filePath("keys-" + id) });
        QVERIFY(init.waitForFinished(30000));
        QCOMPARE(init.exitCode(), 0);
        m_keys[id] = m_dir.filePath("keys-" + id);
    }
    QFile short2(m_dir.filePath("two-epochs.json"));
    QVERIFY(short2.open(QIODevice::WriteOnly));
    short2.write(pipelineJson(2));
    QFile long8(m_dir.filePath("eight-epochs.json"));
    QVERIFY(long8.open(QIODevice::WriteOnly));
    long8.write(pipelineJson(8));
}

void TestJobFailover::cleanupTestCase()
{
    for (auto& agent : m_agents)
        if (agent->state() == QProcess::Running) {
            agent->terminate();
            agent->waitForFinished(5000);
        }
}

std::unique_ptr<QProcess> TestJobFailover::startAgent(const QString& id,
                                                      const std::string& endpoint,
                                                      const std::string& coordinatorKey)
{
    auto agent = std::make_unique<QProcess>();
    agent->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    agent->start(Agent,
                 { "--keys", m_keys[id], "--id", id, "--coordinator",
                   QString::fromStdString(endpoint), "--coordinator-key",
                   QString::fromStdString(coordinatorKey), "--heartbeat-ms", "200", "--data-root",
                   Data, "--work-dir", m_dir.filePath("work-" + id) });
    agent->waitForStarted();
    return agent;
}

std::map<Key, double> TestJobFailover::reference(const QString& pipeline)
{
    auto spec = pipeline::loadPipeline(pipeline.toStdString());
    if (!spec)
        return {};
    train::RunOptions options;
    options.storePath =
            m_dir.filePath("reference-" + QFileInfo(pipeline).baseName() + ".sqlite").toStdString();
    auto outcome = train::runPipeline(*spec, options, nullptr);
    if (!outcome)
        return {};
    return metricRows(options.storePath, outcome->start.runId);
}

void TestJobFailover::compareWithReference(const std::map<Key, double>& job,
                                           const std::map<Key, double>& expected)
{
    QVERIFY(!expected.empty());
    QCOMPARE(job.size(), expected.size());
    int compared = 0;
    for (const auto& [key, value] : expected) {
        const auto found = job.find(key);
        QVERIFY2(found != job.end(),
                 qPrintable(QString("missing %1 at step %2")
                                    .arg(QString::fromStdString(std::get<0>(key)))
                                    .arg(std::get<2>(key))));
        const std::string& name = std::get<0>(key);
        if (name == "train_loss" || name == "test_accuracy" || name == "test_loss") {
            QCOMPARE(found->second, value);
            ++compared;
        }
    }
    QVERIFY(compared > 100);
}

void TestJobFailover::agentKilledMidTraining()
{
    const std::string storePath = m_dir.filePath("failover.sqlite").toStdString();
    auto keys = net::generateKeyPair();
    QVERIFY(keys);
    cluster::CoordinatorOptions options;
    options.endpoint = "tcp://127.0.0.1:*";
    options.keys = *keys;
    options.storePath = storePath;
    options.heartbeatTimeout = std::chrono::milliseconds(1500);
    for (const auto& [id, folder] : m_keys)
        options.allowedAgents.insert(net::loadKeyPair(folder.toStdString(), "agent")->publicKey);
    auto coordinator = cluster::CoordinatorServer::start(options);
    QVERIFY(coordinator);
    std::map<QString, QProcess*> byId;
    for (const auto& [id, folder] : m_keys) {
        m_agents.push_back(startAgent(id, (*coordinator)->endpoint(), keys->publicKey));
        byId[id] = m_agents.back().get();
    }
    QVERIFY(waitFor([&] { return (*coordinator)->agents().size() == 4; }, 15000));

    const QString pipeline = m_dir.filePath("two-epochs.json");
    auto spec = pipeline::loadPipeline(pipeline.toStdString());
    QVERIFY(spec);
    int64_t id = 0;
    {
        auto store = store::ExperimentStore::open(storePath);
        QVERIFY(store);
        auto submitted = (*store)->submitJob(
                { "cluster", "failover", spec->text, m_dir.path().toStdString(), 0, 100 });
        QVERIFY(submitted);
        id = *submitted;
    }
    // Kill the agent that runs it once a checkpoint reached the coordinator.
    QVERIFY(waitFor([&] { return test::jobIn(storePath, id).checkpointStep >= 200; }, 60000));
    const store::JobRecord running = test::jobIn(storePath, id);
    QCOMPARE(running.attempt, 1);
    QVERIFY(running.state == store::JobState::Running);
    QProcess* victim = byId[QString::fromStdString(running.agent)];
    QVERIFY(victim);
    QElapsedTimer sinceKill;
    ::kill(pid_t(victim->processId()), SIGKILL);
    sinceKill.start();
    const std::string lost = "agent " + running.agent + " lost";
    QVERIFY(waitFor(
            [&] {
                for (const std::string& e : (*coordinator)->events())
                    if (e.rfind(lost, 0) == 0)
                        return true;
                return false;
            },
            5000));
    qInfo("the coordinator marked %s lost %lld ms after SIGKILL", running.agent.c_str(),
          static_cast<long long>(sinceKill.elapsed()));
    QVERIFY(sinceKill.elapsed() < 5000);

    const store::JobRecord done = test::waitForEnd(storePath, id, 120000);
    QVERIFY2(done.state == store::JobState::Finished, done.message.c_str());
    QCOMPARE(done.attempt, 2);
    QVERIFY(done.agent != running.agent);
    {
        auto store = store::ExperimentStore::openReadOnly(storePath);
        QVERIFY(store);
        auto events = (*store)->events(done.run);
        QVERIFY(events);
        QStringList kinds;
        for (const store::RunEvent& e : *events)
            kinds << QString::fromStdString(e.kind);
        QCOMPARE(kinds, QStringList({ "started", "worker_lost", "resumed" }));
        QVERIFY2(events->back().message.find("from step") != std::string::npos,
                 events->back().message.c_str());
        QVERIFY((*store)->runDetails(done.run)->status == store::RunStatus::Finished);
        // Each attempt's rank ran on the CPU with the GPUs hidden from it.
        auto lines = (*store)->jobLogs(id);
        QVERIFY(lines);
        int hidden = 0;
        for (const store::JobLogLine& line : *lines)
            hidden += line.text == "rank 0 of job 1 on cpu (CUDA_VISIBLE_DEVICES=)";
        QCOMPARE(hidden, 2);
    }
    compareWithReference(metricRows(storePath, done.run), reference(pipeline));
}

void TestJobFailover::coordinatorKilledMidRun()
{
    const QString storePath = m_dir.filePath("restart.sqlite");
    const QString coordinatorKeys = m_dir.filePath("coordinator-keys");
    QProcess show;
    show.start(Cli, { "coordinator", "--show-key", "--keys", coordinatorKeys });
    QVERIFY(show.waitForFinished(30000));
    const std::string coordinatorKey = show.readAllStandardOutput().trimmed().toStdString();
    QCOMPARE(coordinatorKey.size(), size_t(40));
    QProcess add;
    add.start(Cli,
              { "agents", "add", "agent-1", "tcp://127.0.0.1", "--store", storePath,
                QString::fromStdString(
                        net::loadKeyPair(m_keys["agent-1"].toStdString(), "agent")->publicKey) });
    QVERIFY(add.waitForFinished(30000));
    QCOMPARE(add.exitCode(), 0);

    // A fixed port: the agent reconnects to the same address.
    const QString endpoint = QStringLiteral("tcp://127.0.0.1:%1").arg(47000 + getpid() % 1000);
    const QStringList serve { "coordinator", "--store", storePath,        "--keys", coordinatorKeys,
                              "--listen",    endpoint,  "--local-agents", "0" };
    auto coordinator = std::make_unique<QProcess>();
    coordinator->start(Cli, serve);
    QVERIFY(coordinator->waitForStarted());
    const QString work = m_dir.filePath("work-agent-1");
    m_agents.push_back(startAgent("agent-1", endpoint.toStdString(), coordinatorKey));

    QProcess submit;
    submit.start(Cli,
                 { "jobs", "submit", m_dir.filePath("eight-epochs.json"), "--store", storePath,
                   "--checkpoint-every", "100" });
    QVERIFY(submit.waitForFinished(30000));
    QCOMPARE(submit.exitCode(), 0);
    const std::string path = storePath.toStdString();
    QVERIFY(waitFor([&] { return test::jobIn(path, 1).checkpointStep >= 200; }, 60000));

    ::kill(pid_t(coordinator->processId()), SIGKILL);
    QVERIFY(coordinator->waitForFinished(30000));
    // Without a coordinator the agent keeps training and keeps its records in its spool.
    QVERIFY(waitFor([&] { return spooledRecords(work) > 5; }, 10000));
    const size_t rowsBefore = metricRows(path, 1).size();
    // Longer than ZeroMQ's heartbeat timeout (5 s): the agent's connection is dropped too.
    QTest::qWait(6000);
    QCOMPARE(metricRows(path, 1).size(), rowsBefore); // nothing reached the store meanwhile

    coordinator = std::make_unique<QProcess>();
    coordinator->start(Cli, serve);
    QVERIFY(coordinator->waitForStarted());
    QVERIFY(waitFor([&] { return metricRows(path, 1).size() > rowsBefore; }, 15000));
    const store::JobRecord done = test::waitForEnd(path, 1, 120000);
    QVERIFY2(done.state == store::JobState::Finished, done.message.c_str());
    QCOMPARE(done.attempt, 1); // adopted, not restarted
    QVERIFY(waitFor([&] { return spooledRecords(work) == 0; }, 10000));
    coordinator->terminate();
    QVERIFY(coordinator->waitForFinished(10000));
    compareWithReference(metricRows(path, done.run),
                         reference(m_dir.filePath("eight-epochs.json")));
}

QTEST_GUILESS_MAIN(TestJobFailover)
#include "tst_job_failover.moc"
