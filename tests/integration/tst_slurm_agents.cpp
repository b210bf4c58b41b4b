// Agents started by Slurm with packaging/slurm/trainstudio-agents.sbatch on a real single-node
// Slurm cluster (fixture "slurm": tests/slurm/start-cluster.sh, munge + slurmctld + slurmd):
// the agent registers with the allocation's SLURM_* labels and an id naming the job and node,
// runs a job to its end, and is lost once the Slurm job is cancelled.
#include "cluster/coordinator_server.h"
#include "integration_support.h"
#include "net/curve_keys.h"
#include "store/experiment_store.h"

#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QRegularExpression>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace ts;

using test::waitFor;

namespace {

const QString& Agent = test::AgentProgram;
const QString Template = QStringLiteral(TS_SOURCE_DIR "/packaging/slurm/trainstudio-agents.sbatch");

} // namespace

class TestSlurmAgents final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        const QString cluster = qEnvironmentVariable("TS_SLURM_TEST_CLUSTER");
        QVERIFY2(!cluster.isEmpty(), "TS_SLURM_TEST_CLUSTER is not set (run through ctest)");
        QFile unavailable(cluster + "/unavailable");
        if (unavailable.open(QIODevice::ReadOnly))
            QSKIP(unavailable.readAll().trimmed().constData());
        QVERIFY2(QFile::exists(cluster + "/slurm.conf"),
                 "no Slurm cluster; the fixture tests/slurm/start-cluster.sh did not run");
        m_env = QProcessEnvironment::systemEnvironment();
        m_env.insert("SLURM_CONF", cluster + "/slurm.conf");
        m_env.insert("PATH", QStringLiteral(TS_BINARY_DIR "/bin:") + m_env.value("PATH"));
    }

    void agentPerNodeRunsAJob()
    {
        QTemporaryDir dir;
        QProcess init;
        init.start(Agent, { "--init", "--keys", dir.filePath("keys") });
        QVERIFY(init.waitForFinished(30000));
        auto serverKeys = net::generateKeyPair();
        QVERIFY(serverKeys);
        const std::string storePath = dir.filePath("store.sqlite").toStdString();
        cluster::CoordinatorOptions options;
        options.endpoint = "tcp://127.0.0.1:*";
        options.keys = *serverKeys;
        options.storePath = storePath;
        options.heartbeatTimeout = std::chrono::milliseconds(3000);
        options.allowedAgents = {
            net::loadKeyPair(dir.filePath("keys").toStdString(), "agent")->publicKey
        };
        auto coordinator = cluster::CoordinatorServer::start(options);
        QVERIFY(coordinator);

        QProcess sbatch;
        QProcessEnvironment env = m_env;
        env.insert("TRAINSTUDIO_KEYS", dir.filePath("keys"));
        env.insert("TRAINSTUDIO_DATA_ROOTS", TS_SOURCE_DIR "/resources");
        sbatch.setProcessEnvironment(env);
        sbatch.start("sbatch",
                     { "--nodes=1", "--chdir", dir.path(), "--output",
                       dir.filePath("agents-%j.out"), Template,
                       QString::fromStdString((*coordinator)->endpoint()),
                       QString::fromStdString(serverKeys->publicKey) });
        QVERIFY(sbatch.waitForFinished(30000));
        const QString submitted = QString::fromUtf8(sbatch.readAllStandardOutput());
        QVERIFY2(sbatch.exitCode() == 0, qPrintable(sbatch.readAllStandardError()));
        const auto match = QRegularExpression("Submitted batch job (\\d+)").match(submitted);
        QVERIFY2(match.hasMatch(), qPrintable(submitted));
        const std::string slurmJob = match.captured(1).toStdString();

        // One agent, named after the allocation and node, labelled with its SLURM_* variables.
        const std::string id = "slurm-" + slurmJob + "-node0";
        cluster::AgentState agent;
        const bool registered = waitFor(
                [&] {
                    for (const auto& a : (*coordinator)->agents())
                        if (a.id == id) {
                            agent = a;
                            return true;
                        }
                    return false;
                },
                60000);
        QVERIFY2(registered,
                 qPrintable("no agent registered; Slurm output: " + QString::fromUtf8([&] {
                                QFile out(dir.filePath(
                                        QString("agents-%1.out")
                                                .arg(QString::fromStdString(slurmJob))));
                                out.open(QIODevice::ReadOnly);
                                return out.readAll();
                            }())));
        const auto& labels = agent.info.labels();
        QCOMPARE(labels.at("SLURM_JOB_ID"), slurmJob);
        QCOMPARE(labels.at("SLURM_NODEID"), std::string("0"));
        QVERIFY(labels.count("SLURM_JOB_NODELIST") == 1);

        // A job runs on it.
        QFile pipeline(TS_SOURCE_DIR "/resources/pipelines/fashion-tabular.json");
        QVERIFY(pipeline.open(QIODevice::ReadOnly));
        const std::string text = QString::fromUtf8(pipeline.readAll())
                                         .replace("\"epochs\": 30", "\"epochs\": 2")
                                         .toStdString();
        int64_t job = 0;
        {
            auto store = store::ExperimentStore::open(storePath);
            QVERIFY(store);
            job = *(*store)->submitJob(
                    { "slurm", "tabular", text, TS_SOURCE_DIR "/resources/pipelines", 0, 0 });
        }
        const store::JobRecord done = test::waitForEnd(storePath, job, 120000);
        QVERIFY2(done.state == store::JobState::Finished, done.message.c_str());
        QCOMPARE(done.agent, id);

        // scancel stops the agent; the coordinator sees it go.
        QProcess scancel;
        scancel.setProcessEnvironment(m_env);
        scancel.start("scancel", { QString::fromStdString(slurmJob) });
        QVERIFY(scancel.waitForFinished(30000));
        QVERIFY(waitFor(
                [&] {
                    for (const auto& a : (*coordinator)->agents())
                        if (a.id == id)
                            return a.status == cluster::AgentState::Status::Lost;
                    return false;
                },
                30000));
    }

private:
    QProcessEnvironment m_env;
};

QTEST_GUILESS_MAIN(TestSlurmAgents)
#include "tst_slurm_agents.moc"
