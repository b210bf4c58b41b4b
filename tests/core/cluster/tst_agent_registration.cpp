// Agents register with the coordinator over CURVE and heartbeat; the test runs the coordinator in
// process and the agents as real trainstudio-agent processes on loopback. An agent killed with
// SIGKILL is marked lost within 5 s while the others stay online; an agent whose key is not on
// the allow-list never registers and says why; malformed messages are refused and counted.
#include "cluster/agent_registry.h"
#include "cluster/coordinator_server.h"
#include "net/curve_keys.h"
#include "net/message_socket.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <csignal>
#include <memory>

using namespace ts;

namespace {

const QString Agent = QStringLiteral(TS_BINARY_DIR "/bin/trainstudio-agent");

// Keys of one agent in a folder of their own, made by the agent itself.
QString initAgent(const QTemporaryDir& dir, const QString& name)
{
    const QString folder = dir.filePath(name);
    QProcess init;
    init.start(Agent, { "--init", "--keys", folder });
    init.waitForFinished(30000);
    return init.exitCode() == 0 ? folder : QString();
}

std::string publicKeyOf(const QString& folder)
{
    auto keys = net::loadKeyPair(folder.toStdString(), "agent");
    return keys ? keys->publicKey : std::string();
}

std::unique_ptr<QProcess> startAgent(const QString& keys, const QString& id,
                                     const std::string& endpoint, const std::string& serverKey)
{
    auto agent = std::make_unique<QProcess>();
    agent->start(Agent,
                 { "--keys", keys, "--id", id, "--coordinator", QString::fromStdString(endpoint),
                   "--coordinator-key", QString::fromStdString(serverKey), "--heartbeat-ms", "200",
                   "--work-dir", keys + "-work" }); // beside its keys, in the test's folder
    agent->waitForStarted();
    return agent;
}

// The status of agent `id`, or -1 when it is not registered.
int statusOf(const cluster::CoordinatorServer& server, const std::string& id)
{
    for (const cluster::AgentState& agent : server.agents())
        if (agent.id == id)
            return int(agent.status);
    return -1;
}

bool waitFor(const std::function<bool()>& condition, int ms)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.elapsed() > ms)
            return false;
        QTest::qWait(20);
    }
    return true;
}

// A coordinator on a free loopback port that trusts `allowed`.
cluster::CoordinatorOptions loopback(const net::KeyPair& keys, std::set<std::string> allowed = {})
{
    cluster::CoordinatorOptions options;
    options.endpoint = "tcp://127.0.0.1:*";
    options.keys = keys;
    options.allowedAgents = std::move(allowed);
    return options;
}

constexpr int Online = int(cluster::AgentState::Status::Online);
constexpr int Lost = int(cluster::AgentState::Status::Lost);

} // namespace

class TestAgentRegistration final : public QObject
{
    Q_OBJECT

private slots:
    void killedAgentIsLostWithinFiveSeconds()
    {
        QTemporaryDir dir;
        const QString keysA = initAgent(dir, "a"), keysB = initAgent(dir, "b");
        QVERIFY(!keysA.isEmpty() && !keysB.isEmpty());
        auto serverKeys = net::generateKeyPair();
        QVERIFY(serverKeys);
        cluster::CoordinatorOptions options =
                loopback(*serverKeys, { publicKeyOf(keysA), publicKeyOf(keysB) });
        options.heartbeatTimeout = std::chrono::milliseconds(1500);
        auto server = cluster::CoordinatorServer::start(options);
        QVERIFY2(server, server ? "" : server.error().message().c_str());
        const std::string endpoint = (*server)->endpoint();

        auto a = startAgent(keysA, "lab-a", endpoint, serverKeys->publicKey);
        auto b = startAgent(keysB, "lab-b", endpoint, serverKeys->publicKey);
        QVERIFY2(waitFor(
                         [&] {
                             return statusOf(**server, "lab-a") == Online
                                     && statusOf(**server, "lab-b") == Online;
                         },
                         10000),
                 qPrintable(a->readAllStandardOutput() + a->readAllStandardError()));
        const auto agents = (*server)->agents();
        QVERIFY(agents[0].info.cpus() >= 1 && agents[0].info.memory_bytes() > 0);
        QVERIFY(!agents[0].info.host().empty());

        ::kill(pid_t(a->processId()), SIGKILL);
        QElapsedTimer clock;
        clock.start();
        QVERIFY(waitFor([&] { return statusOf(**server, "lab-a") == Lost; }, 5000));
        qInfo("agent lab-a marked lost %lld ms after SIGKILL", (long long)clock.elapsed());
        QCOMPARE(statusOf(**server, "lab-b"), Online); // still heartbeating
        QTest::qWait(1000);
        QCOMPARE(statusOf(**server, "lab-b"), Online);
        const auto events = (*server)->events();
        QVERIFY(std::find(events.begin(), events.end(),
                          "agent lab-a lost (no heartbeat for 1500 ms)")
                != events.end());

        // The lost agent comes back: it registers again and is online.
        auto again = startAgent(keysA, "lab-a", endpoint, serverKeys->publicKey);
        QVERIFY(waitFor([&] { return statusOf(**server, "lab-a") == Online; }, 10000));

        b->terminate(); // SIGTERM: a clean stop
        QVERIFY(b->waitForFinished(30000));
        QCOMPARE(b->exitStatus(), QProcess::NormalExit);
        QCOMPARE(b->exitCode(), 0);
        again->kill();
        again->waitForFinished();
    }

    // The coordinator goes away and comes back on the same address: the agent registers with
    // the new one by itself (and does not give up, as it would on a first registration).
    void agentsReturnToARestartedCoordinator()
    {
        QTemporaryDir dir;
        const QString keys = initAgent(dir, "a");
        auto serverKeys = net::generateKeyPair();
        QVERIFY(serverKeys);
        cluster::CoordinatorOptions options = loopback(*serverKeys, { publicKeyOf(keys) });
        auto first = cluster::CoordinatorServer::start(options);
        QVERIFY(first);
        const std::string endpoint = (*first)->endpoint();
        auto agent = startAgent(keys, "lab-a", endpoint, serverKeys->publicKey);
        QVERIFY(waitFor([&] { return statusOf(**first, "lab-a") == Online; }, 10000));

        first->reset(); // the coordinator dies
        QTest::qWait(1500);
        options.endpoint = endpoint; // the same port
        auto second = cluster::CoordinatorServer::start(options);
        QVERIFY2(second, second ? "" : second.error().message().c_str());
        QVERIFY2(waitFor([&] { return statusOf(**second, "lab-a") == Online; }, 10000),
                 qPrintable(agent->readAllStandardOutput()));
        QCOMPARE(agent->state(), QProcess::Running);
        agent->terminate();
        QVERIFY(agent->waitForFinished(30000));
        QCOMPARE(agent->exitCode(), 0);
    }

    void keyNotOnTheAllowListNeverRegisters()
    {
        QTemporaryDir dir;
        const QString keys = initAgent(dir, "stranger");
        auto serverKeys = net::generateKeyPair();
        QVERIFY(serverKeys);
        cluster::CoordinatorOptions options = loopback(*serverKeys);
        auto server = cluster::CoordinatorServer::start(options); // trusts nobody
        QVERIFY(server);
        QProcess agent;
        agent.start(Agent,
                    { "--keys", keys, "--id", "stranger", "--coordinator",
                      QString::fromStdString((*server)->endpoint()), "--coordinator-key",
                      QString::fromStdString(serverKeys->publicKey), "--work-dir",
                      keys + "-work" });
        QTest::qWait(1500);
        QVERIFY((*server)->agents().empty());
        QVERIFY2(agent.state() == QProcess::Running, // it keeps trying until its timeout
                 qPrintable(agent.readAllStandardOutput() + agent.readAllStandardError()));
        agent.terminate();
        QVERIFY(agent.waitForFinished(30000)); // a loaded sanitizer build starts slowly
    }

    // A client with an allow-listed key that sends garbage gets nothing done: every message is
    // refused and counted, and the coordinator keeps serving.
    void malformedMessagesAreRefusedAndCounted()
    {
        auto serverKeys = net::generateKeyPair();
        auto client = net::generateKeyPair();
        QVERIFY(serverKeys && client);
        cluster::CoordinatorOptions options = loopback(*serverKeys, { client->publicKey });
        auto server = cluster::CoordinatorServer::start(options);
        QVERIFY(server);
        zmq::context_t context;
        zmq::socket_t socket(context, zmq::socket_type::dealer);
        socket.set(zmq::sockopt::linger, 0);
        socket.set(zmq::sockopt::curve_serverkey, serverKeys->publicKey);
        socket.set(zmq::sockopt::curve_publickey, client->publicKey);
        socket.set(zmq::sockopt::curve_secretkey, client->secretKey);
        socket.connect((*server)->endpoint());
        socket.send(zmq::str_buffer("\xff\xfe not a header"), zmq::send_flags::none);
        wire::Header old;
        old.set_type(wire::HEARTBEAT);
        old.mutable_heartbeat();
        old.set_protocol_version(7);
        socket.send(zmq::buffer(old.SerializeAsString()), zmq::send_flags::none);
        QVERIFY(waitFor([&] { return (*server)->refusedMessages() == 2; }, 5000));
        QVERIFY2((*server)->lastRefusal().find("protocol version 7") != std::string::npos,
                 (*server)->lastRefusal().c_str());
        QVERIFY((*server)->agents().empty());
    }
};

QTEST_GUILESS_MAIN(TestAgentRegistration)

#include "tst_agent_registration.moc"
