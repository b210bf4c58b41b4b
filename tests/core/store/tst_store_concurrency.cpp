// Several processes on one experiment store: two writers at once are serialised by SQLite (both
// finish, every batch of both is stored, the file stays consistent), and a reader in the middle
// of a read transaction never blocks a writer (WAL).
#include "store/experiment_store.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <sqlite3.h>

using namespace ts;

namespace {

const QString Child = QStringLiteral(TS_BINARY_DIR "/bin/store_writer_child");

QString scalar(sqlite3* db, const char* sql)
{
    sqlite3_stmt* stmt = nullptr;
    QString value;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK
        && sqlite3_step(stmt) == SQLITE_ROW)
        value = QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
    sqlite3_finalize(stmt);
    return value;
}

} // namespace

class TestStoreConcurrency final : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        m_path = m_dir.filePath(QString("store%1.sqlite").arg(++m_files));
        auto store = store::ExperimentStore::open(m_path.toStdString());
        QVERIFY(store);
        auto run = (*store)->createRun({ "race", "writers", "{}", "cpu", {} });
        QVERIFY(run);
        m_run = *run;
    }

    void twoWritersAtOnce()
    {
        // A barrier: while this connection holds the write lock, both children start and wait
        // for it (busy_timeout), so they are released into the race together.
        sqlite3* gate = nullptr;
        QCOMPARE(
                sqlite3_open_v2(m_path.toUtf8().constData(), &gate, SQLITE_OPEN_READWRITE, nullptr),
                SQLITE_OK);
        QCOMPARE(sqlite3_exec(gate, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
        QProcess first, second;
        first.start(Child, { m_path, QString::number(m_run), "1", "0", "300", "50" });
        second.start(Child, { m_path, QString::number(m_run), "2", "0", "300", "50" });
        QVERIFY(first.waitForStarted() && second.waitForStarted());
        QTest::qWait(300);
        QCOMPARE(sqlite3_exec(gate, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(gate);
        QVERIFY(first.waitForFinished(60000) && second.waitForFinished(60000));
        QVERIFY2(first.exitCode() == 0, first.readAllStandardError().constData());
        QVERIFY2(second.exitCode() == 0, second.readAllStandardError().constData());
        QCOMPARE(first.readAllStandardOutput().count("committed"), 300);
        QCOMPARE(second.readAllStandardOutput().count("committed"), 300);
        sqlite3* db = nullptr;
        QCOMPARE(sqlite3_open_v2(m_path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr),
                 SQLITE_OK);
        QCOMPARE(scalar(db, "PRAGMA integrity_check"), QString("ok"));
        QCOMPARE(scalar(db,
                        "SELECT count(*) FROM metrics WHERE worker = 1 AND value = step * 0.5 "
                        "+ 1"),
                 QString("15000"));
        QCOMPARE(scalar(db,
                        "SELECT count(*) FROM metrics WHERE worker = 2 AND value = step * 0.5 "
                        "+ 2"),
                 QString("15000"));
        sqlite3_close(db);
    }

    void aReaderNeverBlocksTheWriter()
    {
        sqlite3* reader = nullptr;
        QCOMPARE(sqlite3_open_v2(m_path.toUtf8().constData(), &reader, SQLITE_OPEN_READONLY,
                                 nullptr),
                 SQLITE_OK);
        // An open read transaction, as a chart query in progress holds one.
        QCOMPARE(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM metrics;", nullptr, nullptr,
                              nullptr),
                 SQLITE_OK);
        QElapsedTimer clock;
        clock.start();
        QProcess writer;
        writer.start(Child, { m_path, QString::number(m_run), "0", "0", "20", "50" });
        QVERIFY(writer.waitForFinished(60000));
        QCOMPARE(writer.exitCode(), 0); // no "database is locked": it did not wait for the reader
        QVERIFY2(clock.elapsed() < 4000, qPrintable(QString::number(clock.elapsed())));
        // The reader still sees its snapshot, then the new rows after its transaction.
        QCOMPARE(scalar(reader, "SELECT count(*) FROM metrics"), QString("0"));
        QCOMPARE(sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
        QCOMPARE(scalar(reader, "SELECT count(*) FROM metrics"), QString("1000"));
        sqlite3_close(reader);
    }

private:
    QTemporaryDir m_dir;
    QString m_path;
    int64_t m_run = 0;
    int m_files = 0;
};

QTEST_GUILESS_MAIN(TestStoreConcurrency)

#include "tst_store_concurrency.moc"
