// The throwaway PostgreSQL server of tests/postgres/start-server.sh as a test sees it: the
// connection facts start-server.sh wrote to connection.env (its path in $TS_PG_TEST_ENV, set by
// CTest), and a libpq session of the test's own to create and drop tables, so that what the
// reader under test does is never the only way the tables are seen.
#pragma once

#include <libpq-fe.h>

#include <QByteArray>
#include <QFile>
#include <QMap>
#include <QString>
#include <QtGlobal> // for qgetenv, qputenv, qunsetenv

#include <memory>
#include <string>

namespace ts::test {

class TestServer final
{
public:
    // Reads connection.env and connects; check error() before use.
    TestServer()
    {
        const QByteArray path = qgetenv("TS_PG_TEST_ENV");
        QFile file(QString::fromLocal8Bit(path));
        if (path.isEmpty() || !file.open(QIODevice::ReadOnly)) {
            m_error = "no test server: TS_PG_TEST_ENV ('" + QString::fromLocal8Bit(path)
                    + "') names no connection.env; run the test through `ctest -L postgres`, "
                      "whose fixture starts the server (tests/postgres/start-server.sh)";
            return;
        }
        while (!file.atEnd()) {
            const QByteArray line = file.readLine().trimmed();
            const qsizetype equals = line.indexOf('=');
            if (equals > 0)
                m_facts.insert(QString::fromUtf8(line.left(equals)),
                               QString::fromUtf8(line.mid(equals + 1)));
        }
        m_connection.reset(PQconnectdb(connection().c_str()));
        if (PQstatus(m_connection.get()) != CONNECTION_OK)
            m_error = "cannot connect to the test server: "
                    + QString::fromUtf8(PQerrorMessage(m_connection.get()));
    }

    const QString& error() const { return m_error; }

    // PGHOST, PGPORT, PGUSER, PGPASSWORD or PGDATABASE of the test server.
    QString fact(const QString& name) const { return m_facts.value(name); }
    const QMap<QString, QString>& facts() const { return m_facts; }

    // A libpq connection string for the test server; `extra` ("password=x") overrides, since
    // libpq takes the last value of a keyword.
    std::string connection(const std::string& extra = {}) const
    {
        const auto quoted = [](const QString& value) {
            QString text = value;
            text.replace('\\', "\\\\").replace('\'', "\\'");
            return "'" + text.toStdString() + "'";
        };
        return "host=" + quoted(fact("PGHOST")) + " port=" + quoted(fact("PGPORT"))
                + " user=" + quoted(fact("PGUSER")) + " password=" + quoted(fact("PGPASSWORD"))
                + " dbname=" + quoted(fact("PGDATABASE")) + (extra.empty() ? "" : " " + extra);
    }

    // Runs `sql` (one or more statements); "" on success, else the server's message.
    QString execute(const QString& sql)
    {
        const std::unique_ptr<PGresult, void (*)(PGresult*)> result(
                PQexec(m_connection.get(), sql.toUtf8().constData()), PQclear);
        const ExecStatusType status = PQresultStatus(result.get());
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
            return {};
        return QString::fromUtf8(PQerrorMessage(m_connection.get())).trimmed() + " in: " + sql;
    }

private:
    QMap<QString, QString> m_facts;
    QString m_error;
    std::unique_ptr<PGconn, void (*)(PGconn*)> m_connection { nullptr, PQfinish };
};

// PG* variables of the environment, cleared for a test and put back afterwards, so that neither
// the developer's shell nor one test leaks into another.
class ScopedPgEnvironment final
{
public:
    explicit ScopedPgEnvironment(const QMap<QString, QString>& values = {})
    {
        for (const char* name : { "PGHOST", "PGHOSTADDR", "PGPORT", "PGUSER", "PGPASSWORD",
                                  "PGDATABASE", "PGSERVICE" }) {
            m_saved.insert(name, qgetenv(name));
            qunsetenv(name);
        }
        for (auto it = values.begin(); it != values.end(); ++it)
            qputenv(it.key().toUtf8().constData(), it.value().toUtf8());
    }
    ~ScopedPgEnvironment()
    {
        for (auto it = m_saved.begin(); it != m_saved.end(); ++it) {
            if (it.value().isNull())
                qunsetenv(it.key().constData());
            else
                qputenv(it.key().constData(), it.value());
        }
    }

private:
    QMap<QByteArray, QByteArray> m_saved;
};

} // namespace ts::test
