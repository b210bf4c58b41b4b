// What an untrusted peer can do to a coordinator running jobs, and what a job may read on an
// agent, with real sockets and processes on loopback:
//  - a client with a fresh key pair, and one without CURVE, send REGISTER and forged RECORDS for
//    a running job: they never register, nothing of theirs reaches the store, and they get no
//    answer at all (nothing to read);
//  - an allow-listed agent that did not register is refused records and counted;
//  - a job naming a file outside the agent's data roots fails with the field and the path, and
//    the rank never opens the file.
#include "cluster/coordinator_server.h"
#include "integration_support.h"
#include "net/curve_keys.h"
#include "net/message_socket.h"
#include "store/experiment_store.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <memory>

using namespace ts;

using test::waitFor;

namespace {

const QString& Agent = test::AgentProgram;

// A REGISTER and a RECORDS message that would finish job `job` (run `run`) and add a point.
std::vector<wire::Header> forgedMessages(int64_t job, int64_t run)
{
    wire::Header reg;
    reg.set_type(wire::REGISTER);
    reg.mutable_register_()->set_agent_id("intruder");
    wire::Header records;
    records.set_type(wire::RECORDS);
    records.set_sequence(1);
    wire::Record* end = records.mutable_records()->add_records();
    end->set_job(job);
    end->set_attempt(1);
    end->set_run(run);
    end->mutable_end()->set_status("finished");
    wire::Record* point = records.mutable_records()->add_records();
    point->set_job(job);
    point->set_attempt(1);
    point->set_run(run);
    auto* p = point->mutable_metrics()->add_points();
    p->set_name("forged");
    p->set_step(1);
    return { reg, records };
}

} // namespace

class TestJobSecurity final : public QObject
{
    Q_OBJECT

private slots:
    void untrustedClientsChangeNothing_data()
    {
        QTest::addColumn<QString>("client");
        QTest::newRow("a fresh key pair") << "fresh";
        QTest::newRow("no CURVE at all") << "plain";
        QTest::newRow("an allow-listed agent that never registered") << "listed";
    }
    void untrustedClientsChangeNothing()
    {
        QFETCH(QString, client);
        QTemporaryDir dir;
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        auto serverKeys = net::generateKeyPair();
        auto listed = net::generateKeyPair();
        QVERIFY(serverKeys && listed);
        // A running job on an agent that is not there: its run is what a forger would finish.
        int64_t job = 0, run = 0;
        {
            auto store = store::ExperimentStore::open(storePath);
            QVERIFY(store);
            job = *(*store)->submitJob({ "e", "n", "{}", "/", 0, 0 });
            run = *(*store)->createRun({ "e", "n", "{}", "", {} });
            store::JobRecord record = *(*store)->job(job);
            record.state = store::JobState::Running;
            record.run = run;
            record.attempt = 1;
            record.agent = "intruder";
            QVERIFY((*store)->saveJob(record).ok());
        }
        cluster::CoordinatorOptions options;
        options.endpoint = "tcp://127.0.0.1:*";
        options.keys = *serverKeys;
        options.allowedAgents = { listed->publicKey };
        options.storePath = storePath;
        options.heartbeatTimeout = std::chrono::seconds(60); // the job stays "running"
        auto server = cluster::CoordinatorServer::start(options);
        QVERIFY(server);

        zmq::context_t context;
        zmq::socket_t socket(context, zmq::socket_type::dealer);
        net::applyLimits(socket);
        if (client != "plain") {
            auto keys = client == "fresh" ? net::generateKeyPair() : listed;
            socket.set(zmq::sockopt::curve_serverkey, serverKeys->publicKey);
            socket.set(zmq::sockopt::curve_publickey, keys->publicKey);
            socket.set(zmq::sockopt::curve_secretkey, keys->secretKey);
        }
        socket.connect((*server)->endpoint());
        auto messages = forgedMessages(job, run);
        if (client == "listed")
            messages.erase(messages.begin()); // records without registering first
        for (const wire::Header& message : messages)
            QVERIFY(net::sendMessage(socket, message).ok());
        // No answer comes back: nothing to read.
        auto answer = net::receiveMessage(socket, false, std::chrono::milliseconds(1500));
        QVERIFY(answer);
        QVERIFY(!answer->has_value());
        QVERIFY((*server)->agents().empty());
        if (client == "listed") {
            QVERIFY(waitFor([&] { return (*server)->refusedMessages() == 1; }, 3000));
            QCOMPARE((*server)->lastRefusal(),
                     std::string("records from an agent that is not registered"));
        }
        auto store = store::ExperimentStore::openReadOnly(storePath);
        QVERIFY(store);
        QVERIFY((*store)->job(job)->state == store::JobState::Running);
        QVERIFY((*store)->runDetails(run)->status == store::RunStatus::Running);
        QVERIFY((*store)->metricSeries(run, "forged")->empty());
    }

    // `agents remove` while the agent is connected: its messages are refused from then on, so it
    // is lost (its jobs would resume elsewhere), and it cannot connect again.
    void removedAgentLosesItsAccess()
    {
        QTemporaryDir dir;
        QProcess init;
        init.start(Agent, { "--init", "--keys", dir.filePath("keys") });
        QVERIFY(init.waitForFinished(30000));
        const std::string agentKey =
                net::loadKeyPair(dir.filePath("keys").toStdString(), "agent")->publicKey;
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        {
            auto store = store::ExperimentStore::open(storePath);
            QVERIFY(store);
            QVERIFY((*store)->addAgent({ "lab-1", "tcp://lab-1", agentKey, 0, 0 }).ok());
        }
        auto serverKeys = net::generateKeyPair();
        cluster::CoordinatorOptions options;
        options.endpoint = "tcp://127.0.0.1:*";
        options.keys = *serverKeys;
        options.storePath = storePath;
        options.heartbeatTimeout = std::chrono::milliseconds(1500);
        auto server = cluster::CoordinatorServer::start(options);
        QVERIFY(server);
        QProcess agent;
        agent.start(Agent,
                    { "--keys", dir.filePath("keys"), "--id", "lab-1", "--coordinator",
                      QString::fromStdString((*server)->endpoint()), "--coordinator-key",
                      QString::fromStdString(serverKeys->publicKey), "--work-dir",
                      dir.filePath("work"), "--heartbeat-ms", "200" });
        QVERIFY(agent.waitForStarted());
        const auto status = [&] {
            for (const auto& a : (*server)->agents())
                return int(a.status);
            return -1;
        };
        QVERIFY(waitFor([&] { return status() == int(cluster::AgentState::Status::Online); },
                        15000));
        {
            auto store = store::ExperimentStore::open(storePath);
            QVERIFY((*store)->removeAgent("lab-1").ok());
        }
        QVERIFY(waitFor([&] { return status() == int(cluster::AgentState::Status::Lost); }, 10000));
        QVERIFY2((*server)->lastRefusal().find("removed from the allow-list") != std::string::npos,
                 (*server)->lastRefusal().c_str());
        QTest::qWait(2000); // it keeps trying: it stays lost
        QCOMPARE(status(), int(cluster::AgentState::Status::Lost));
        agent.terminate();
        QVERIFY(agent.waitForFinished(30000));
    }

    void jobOutsideTheDataRootsIsRefused()
    {
        QTemporaryDir dir;
        const QString roots = dir.filePath("data");
        QVERIFY(QDir().mkpath(roots));
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        // What is tested is what the agent itself lets a job read: the coordinator sends it no
        // files (with delivery on it would send its own copy, tst_integration_data_delivery).
        auto cluster = test::startSingleAgentCluster(
                dir, storePath, { "--id", "confined", "--data-root", roots }, false);
        QVERIFY(cluster);
        const std::string pipeline = R"({ "trainstudio": 1, "name": "escape", "stages": [
            { "source": { "format": "csv", "train": { "file": "../../../../../../etc/passwd" },
                          "labelColumn": "x", "split": { "test": 0.2 } } },
            { "train": { "model": { "type": "logistic_regression" },
                         "optimizer": { "type": "sgd" } } } ] })";
        int64_t job = 0;
        {
            auto store = store::ExperimentStore::open(storePath);
            QVERIFY(store);
            job = *(*store)->submitJob({ "e", "escape", pipeline, roots.toStdString(), 0, 0 });
        }
        const store::JobRecord ended = test::waitForEnd(storePath, job, 30000);
        QVERIFY2(ended.state == store::JobState::Failed, ended.message.c_str());
        QVERIFY2(ended.message.find("stages.source.train") != std::string::npos
                         && ended.message.find("(/etc/passwd) is outside the agent's data roots")
                                 != std::string::npos,
                 ended.message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestJobSecurity)
#include "tst_job_security.moc"
