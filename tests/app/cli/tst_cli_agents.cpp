// trainstudio-cli agents add | list | remove: the coordinator's allow-list kept in the store, with
// a clear error for a bad key, a name or key used twice and an unknown agent.
#include "cli_process.h"
#include "net/curve_keys.h"

#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace ts;
using test::runCli;

class TstCliAgents : public QObject
{
    Q_OBJECT

private slots:
    void addListRemove()
    {
        const QString store = m_dir.path() + "/store.sqlite";
        auto key = net::generateKeyPair();
        QVERIFY(key);
        const QString pub = QString::fromStdString(key->publicKey);

        const auto empty = runCli({ "agents", "list", "--store", store }, m_dir.path());
        QCOMPARE(empty.exitCode, 0);
        QVERIFY(empty.out.contains("no agents yet"));
        QVERIFY(!QFile::exists(store)); // listing created nothing

        const auto added =
                runCli({ "agents", "add", "gpu-box", "tcp://gpu-box:7150", pub, "--store", store },
                       m_dir.path());
        QVERIFY2(added.exitCode == 0, qPrintable(added.err));
        const auto listed = runCli({ "agents", "list", "--store", store, "--json" }, m_dir.path());
        const QJsonArray agents = QJsonDocument::fromJson(listed.out.toUtf8())["agents"].toArray();
        QCOMPARE(agents.size(), 1);
        QCOMPARE(agents[0]["name"].toString(), QString("gpu-box"));
        QCOMPARE(agents[0]["public_key"].toString(), pub);

        const auto removed =
                runCli({ "agents", "remove", "gpu-box", "--store", store }, m_dir.path());
        QCOMPARE(removed.exitCode, 0);
        const auto after = runCli({ "agents", "list", "--store", store }, m_dir.path());
        QVERIFY(after.out.contains("no agents yet"));
    }

    void mistakes_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("message");
        QTest::newRow("a key that is not one")
                << QStringList { "add", "b", "tcp://b:7150", "secret" }
                << "agent 'b': 'secret' is not a public key (40 Z85 characters";
        QTest::newRow("a name used twice")
                << QStringList { "add", "first", "tcp://x:7150", "<other key>" }
                << "an agent named 'first' is already there";
        QTest::newRow("a key used twice")
                << QStringList { "add", "second", "tcp://x:7150", "<first key>" }
                << "agent 'first' already has this key";
        QTest::newRow("removing an unknown agent")
                << QStringList { "remove", "nobody" } << "no agent named 'nobody'";
    }
    void mistakes()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, message);
        const QString store = m_dir.path() + "/mistakes.sqlite";
        if (m_firstKey.isEmpty()) {
            m_firstKey = QString::fromStdString(net::generateKeyPair()->publicKey);
            const auto first = runCli(
                    { "agents", "add", "first", "tcp://first:7150", m_firstKey, "--store", store },
                    m_dir.path());
            QCOMPARE(first.exitCode, 0);
        }
        args.replaceInStrings("<first key>", m_firstKey);
        args.replaceInStrings("<other key>",
                              QString::fromStdString(net::generateKeyPair()->publicKey));
        const auto o = runCli(QStringList { "agents" } + args + QStringList { "--store", store },
                              m_dir.path());
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(message), qPrintable(o.err));
    }

private:
    QTemporaryDir m_dir;
    QString m_firstKey;
};

QTEST_GUILESS_MAIN(TstCliAgents)

#include "tst_cli_agents.moc"
