// trainstudio-agent as a user runs it: --init creates the agent's CURVE key pair like ssh-keygen
// (secret 0600, public key printed for the coordinator), refuses to overwrite it, and --show-key
// prints the public key again.
#include "net/curve_keys.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <sys/stat.h>

using namespace ts;

namespace {

struct Outcome
{
    int exitCode = -1;
    QString out;
    QString err;
};

Outcome runAgent(const QStringList& args, const QString& home)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("XDG_CONFIG_HOME", home + "/config"); // never the user's real keys
    p.setProcessEnvironment(env);
    p.start(TS_BINARY_DIR "/bin/trainstudio-agent", args);
    if (!p.waitForFinished(30000))
        return {};
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
             QString::fromUtf8(p.readAllStandardOutput()),
             QString::fromUtf8(p.readAllStandardError()) };
}

} // namespace

class TestAgent final : public QObject
{
    Q_OBJECT

private slots:
    void initCreatesKeysOnce()
    {
        QTemporaryDir home;
        const QString folder = home.path() + "/config/trainstudio/keys"; // the default
        const Outcome created = runAgent({ "--init" }, home.path());
        QVERIFY2(created.exitCode == 0, qPrintable(created.err));
        auto keys = net::loadKeyPair(folder.toStdString(), "agent");
        QVERIFY2(keys, keys ? "" : keys.error().message().c_str());
        QVERIFY(created.out.contains(QString::fromStdString(keys->publicKey)));
        QVERIFY(!created.out.contains(QString::fromStdString(keys->secretKey)));
        struct stat info
        {};
        QCOMPARE(::stat((folder + "/agent.key").toUtf8().constData(), &info), 0);
        QCOMPARE(info.st_mode & 0777, mode_t(0600));

        const Outcome again = runAgent({ "--init" }, home.path());
        QCOMPARE(again.exitCode, 2);
        QVERIFY2(again.err.contains("a secret key is already there"), qPrintable(again.err));
        auto unchanged = net::loadKeyPair(folder.toStdString(), "agent");
        QVERIFY(unchanged && unchanged->secretKey == keys->secretKey);

        const Outcome shown = runAgent({ "--show-key" }, home.path());
        QCOMPARE(shown.exitCode, 0);
        QCOMPARE(shown.out.trimmed(), QString::fromStdString(keys->publicKey));
    }

    // The options of a TOML config file (packaging/agent/agent.toml), the command line winning.
    void configFile()
    {
        QTemporaryDir home;
        const QString folder = home.path() + "/from-config";
        QCOMPARE(runAgent({ "--init", "--keys", folder }, home.path()).exitCode, 0);
        const QString config = home.path() + "/agent.toml";
        QFile file(config);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(("# an agent\nkeys = \"" + folder + "\"\n").toUtf8());
        file.close();
        const Outcome shown = runAgent({ "--show-key", "--config", config }, home.path());
        QCOMPARE(shown.exitCode, 0);
        auto keys = net::loadKeyPair(folder.toStdString(), "agent");
        QVERIFY(keys);
        QCOMPARE(shown.out.trimmed(), QString::fromStdString(keys->publicKey));
        const Outcome overridden = runAgent(
                { "--show-key", "--config", config, "--keys", home.path() + "/none" }, home.path());
        QCOMPARE(overridden.exitCode, 2);
    }

    // The config file packaging/ ships is one the agent reads: every option in it exists and
    // parses (the list of data roots included).
    void shippedConfigParses()
    {
        QTemporaryDir home;
        const QString folder = home.path() + "/keys";
        QCOMPARE(runAgent({ "--init", "--keys", folder }, home.path()).exitCode, 0);
        const Outcome shown =
                runAgent({ "--show-key", "--config", TS_SOURCE_DIR "/packaging/agent/agent.toml",
                           "--keys", folder },
                         home.path());
        QVERIFY2(shown.exitCode == 0, qPrintable(shown.err));
        QCOMPARE(shown.out.trimmed().size(), 40);
    }

    // Two agents never share a work folder (their spools would forward each other's records):
    // the second one refuses to start and says which folder is taken.
    void workFolderIsOneAgentsAlone()
    {
        QTemporaryDir home;
        const QString keys = home.path() + "/keys";
        QCOMPARE(runAgent({ "--init", "--keys", keys }, home.path()).exitCode, 0);
        auto server = net::generateKeyPair();
        QVERIFY(server);
        const QStringList args { "--keys",
                                 keys,
                                 "--coordinator",
                                 "tcp://127.0.0.1:9",
                                 "--coordinator-key",
                                 QString::fromStdString(server->publicKey),
                                 "--work-dir",
                                 home.path() + "/work" };
        QProcess first;
        first.start(TS_BINARY_DIR "/bin/trainstudio-agent", args + QStringList { "--id", "one" });
        QVERIFY(first.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(home.path() + "/work/spool.sqlite"), 10000);
        const Outcome second = runAgent(args + QStringList { "--id", "two" }, home.path());
        QCOMPARE(second.exitCode, 2);
        QVERIFY2(second.err.contains("another agent already works in " + home.path() + "/work"),
                 qPrintable(second.err));
        first.terminate();
        QVERIFY(first.waitForFinished(30000));
    }

    void keysFolderOption()
    {
        QTemporaryDir home;
        const QString folder = home.path() + "/elsewhere";
        QCOMPARE(runAgent({ "--init", "--keys", folder }, home.path()).exitCode, 0);
        QVERIFY(QFile::exists(folder + "/agent.pub"));
        const Outcome missing = runAgent({ "--show-key" }, home.path()); // default folder: empty
        QCOMPARE(missing.exitCode, 2);
        QVERIFY2(missing.err.contains("trainstudio-agent --init"), qPrintable(missing.err));
    }
};

QTEST_GUILESS_MAIN(TestAgent)

#include "tst_agent.moc"
