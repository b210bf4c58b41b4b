// trainstudio-cli on a PostgreSQL table: the shipped example pipeline, with its table loaded by
// the shipped SQL script through psql, as a user would, on the throwaway server of the "postgres"
// test fixture; and the one-line errors of a missing table and a wrong password.
#include "../../postgres/test_server.h"
#include "cli_process.h"

#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace ts;
using test::runCli;

class TstCliPostgres : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY2(m_server.error().isEmpty(), qPrintable(m_server.error()));
        for (const auto& name : m_server.facts().keys())
            m_env[name] = m_server.fact(name);
        QProcess psql;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (const auto& [name, value] : m_env)
            environment.insert(name, value);
        psql.setProcessEnvironment(environment);
        psql.setWorkingDirectory(TS_SOURCE_DIR);
        psql.start("psql",
                   { "-q", "-v", "ON_ERROR_STOP=1", "-f", "resources/data/fashion-catalogue.sql" });
        QVERIFY2(psql.waitForFinished(60000), "psql did not finish");
        QVERIFY2(psql.exitCode() == 0, psql.readAllStandardError().constData());
    }

    void cleanupTestCase() { (void)m_server.execute("DROP TABLE IF EXISTS fashion_catalogue"); }

    void exampleRunsOnTheTable()
    {
        const QString store = m_dir.path() + "/pg.sqlite";
        const auto o = runCli({ "run", TS_SOURCE_DIR "/resources/pipelines/fashion-postgres.json",
                                "--store", store, "--json" },
                              m_dir.path(), m_env);
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        const QJsonObject result = QJsonDocument::fromJson(o.out.toUtf8()).object();
        const double accuracy = result["metrics"].toObject()["test_accuracy"].toDouble();
        QVERIFY2(accuracy > 0.6, qPrintable(QString("test accuracy %1").arg(accuracy)));

        // The same rows as the CSV example: the same model input, the same run.
        const QString csvStore = m_dir.path() + "/csv.sqlite";
        const auto csv =
                runCli({ "run", TS_SOURCE_DIR "/resources/pipelines/fashion-catalogue.json",
                         "--store", csvStore, "--json" },
                       m_dir.path());
        QVERIFY2(csv.exitCode == 0, qPrintable(csv.err));
        const double csvAccuracy = QJsonDocument::fromJson(csv.out.toUtf8())
                                           .object()["metrics"]
                                           .toObject()["test_accuracy"]
                                           .toDouble();
        QCOMPARE(accuracy, csvAccuracy);

        const auto show = runCli({ "runs", "show", "1", "--store", store, "--json" }, m_dir.path());
        const QJsonObject params =
                QJsonDocument::fromJson(show.out.toUtf8()).object()["params"].toObject();
        QCOMPARE(params["source.format"].toString(), QString("postgres"));
        QCOMPARE(params["data.trainRows"].toString(), QString("2400"));
    }

    void badSources_data()
    {
        QTest::addColumn<QString>("replace");
        QTest::addColumn<QString>("with");
        QTest::addColumn<QString>("password");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("a missing table") << R"("table": "fashion_catalogue")"
                                         << R"("table": "fashion_catalog")"
                                         << "" << 2 << "table 'fashion_catalog' does not exist";
        QTest::newRow("a wrong password")
                << ""
                << ""
                << "not-the-password" << 1 << "password authentication failed";
    }
    void badSources()
    {
        QFETCH(QString, replace);
        QFETCH(QString, with);
        QFETCH(QString, password);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        QFile source(TS_SOURCE_DIR "/resources/pipelines/fashion-postgres.json");
        QVERIFY(source.open(QIODevice::ReadOnly));
        QString text = QString::fromUtf8(source.readAll());
        if (!replace.isEmpty())
            text.replace(replace, with);
        const QString path = m_dir.path() + "/bad.json";
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(text.toUtf8());
        out.close();
        std::map<QString, QString> env = m_env;
        if (!password.isEmpty())
            env["PGPASSWORD"] = password;
        const QString store = m_dir.path() + "/never.sqlite";
        const auto o = runCli({ "run", path, "--store", store }, m_dir.path(), env);
        QCOMPARE(o.exitCode, exitCode);
        QCOMPARE(o.err.count('\n'), 1);
        QVERIFY2(o.err.contains(message), qPrintable(o.err));
        QVERIFY2(!o.err.contains(password.isEmpty() ? "trainstudio-test" : password),
                 qPrintable(o.err)); // never the password
        QVERIFY(!QFile::exists(store));
    }

private:
    test::TestServer m_server;
    std::map<QString, QString> m_env;
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TstCliPostgres)

#include "tst_cli_postgres.moc"
