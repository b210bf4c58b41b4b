// What the end-to-end tests share: where the built programs are, and waiting for a condition
// while the Qt event loop (and the processes the test started) go on.
#pragma once

#include "cluster/coordinator_server.h"
#include "net/curve_keys.h"
#include "store/experiment_store.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QString>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <functional>
#include <memory>

namespace ts::test {

inline const QString AgentProgram = QStringLiteral(TS_BINARY_DIR "/bin/trainstudio-agent");
inline const QString CliProgram = QStringLiteral(TS_BINARY_DIR "/bin/trainstudio-cli");

// True once `condition` holds, checked every `pollMs`; false after `ms` without it.
inline bool waitFor(const std::function<bool()>& condition, int ms, int pollMs = 20)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.elapsed() > ms)
            return false;
        QTest::qWait(pollMs);
    }
    return true;
}

// Job `id` as the store at `storePath` holds it now (read-only, beside the coordinator writing
// it); an empty record (id 0) while it cannot be read.
inline store::JobRecord jobIn(const std::string& storePath, int64_t id)
{
    auto store = store::ExperimentStore::openReadOnly(storePath);
    if (!store)
        return {};
    auto job = (*store)->job(id);
    return job ? std::move(*job) : store::JobRecord {};
}

// Waits up to `ms` for job `id` to end; returns it as it ended (or as it was at the deadline).
inline store::JobRecord waitForEnd(const std::string& storePath, int64_t id, int ms)
{
    store::JobRecord job;
    waitFor(
            [&] {
                job = jobIn(storePath, id);
                return store::isEnded(job.state);
            },
            ms);
    return job;
}

// A coordinator on loopback running the jobs of the store at `storePath`, and one agent process
// it trusts (keys made with --init in dir/keys, work folder dir/work, `arguments` added: its id,
// data roots). The agent is stopped with the cluster.
struct SingleAgentCluster
{
    std::unique_ptr<cluster::CoordinatorServer> coordinator;
    std::unique_ptr<QProcess> agent;
    ~SingleAgentCluster()
    {
        if (agent && agent->state() == QProcess::Running) {
            agent->terminate();
            agent->waitForFinished(30000);
        }
    }
};

inline std::unique_ptr<SingleAgentCluster> startSingleAgentCluster(const QTemporaryDir& dir,
                                                                   const std::string& storePath,
                                                                   const QStringList& arguments,
                                                                   bool deliverData = true)
{
    auto serverKeys = net::generateKeyPair();
    QProcess init;
    init.start(AgentProgram, { "--init", "--keys", dir.filePath("keys") });
    if (!serverKeys || !init.waitForFinished(30000))
        return nullptr;
    auto agentKeys = net::loadKeyPair(dir.filePath("keys").toStdString(), "agent");
    if (!agentKeys)
        return nullptr;
    cluster::CoordinatorOptions options;
    options.endpoint = "tcp://127.0.0.1:*";
    options.keys = *serverKeys;
    options.allowedAgents = { agentKeys->publicKey };
    options.storePath = storePath;
    options.deliverData = deliverData;
    auto coordinator = cluster::CoordinatorServer::start(options);
    if (!coordinator)
        return nullptr;
    auto cluster = std::make_unique<SingleAgentCluster>();
    cluster->coordinator = std::move(*coordinator);
    cluster->agent = std::make_unique<QProcess>();
    cluster->agent->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    cluster->agent->start(AgentProgram,
                          QStringList { "--keys", dir.filePath("keys"), "--coordinator",
                                        QString::fromStdString(cluster->coordinator->endpoint()),
                                        "--coordinator-key",
                                        QString::fromStdString(serverKeys->publicKey), "--work-dir",
                                        dir.filePath("work"), "--heartbeat-ms", "200" }
                                  + arguments);
    if (!cluster->agent->waitForStarted())
        return nullptr;
    return cluster;
}

} // namespace ts::test
