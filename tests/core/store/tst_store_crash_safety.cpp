// Crash safety of the experiment store: a process writing metric batches is killed with SIGKILL
// at random moments, 50 times over. After each kill the file must pass PRAGMA integrity_check,
// hold every batch whose commit the writer acknowledged (with the right values), hold no part of
// any other batch, and stay the same when the last acknowledged batch is replayed (in-process
// with appendMetrics, and again by the next writer, which starts with that batch).
#include "store/experiment_store.h"
#include "store_test_support.h"

#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <sqlite3.h>

#include <map>
#include <random>
#include <set>
#include <signal.h>
#include <vector>

using namespace ts;
using test::scalar;

namespace {

const QString Child = QStringLiteral(TS_BINARY_DIR "/bin/store_writer_child");
constexpr int64_t Points = 50; // per batch

// Batch -> its rows that hold the value the writer gave them, in one query.
std::map<int64_t, int64_t> correctRowsPerBatch(const QString& path)
{
    std::map<int64_t, int64_t> batches;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr)
        == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        const QByteArray sql = QString("SELECT step / %1, sum(value = step * 0.5) FROM metrics "
                                       "GROUP BY step / %1")
                                       .arg(Points)
                                       .toUtf8();
        if (sqlite3_prepare_v2(db, sql.constData(), -1, &stmt, nullptr) == SQLITE_OK) {
            while (sqlite3_step(stmt) == SQLITE_ROW)
                batches[sqlite3_column_int64(stmt, 0)] = sqlite3_column_int64(stmt, 1);
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return batches;
}

// The points of batch `batch` exactly as store_writer_child writes them (worker 0).
std::vector<store::MetricPoint> batchPoints(int64_t run, int64_t batch)
{
    std::vector<store::MetricPoint> points;
    for (int64_t step = batch * Points; step < (batch + 1) * Points; ++step)
        points.push_back({ run, "loss", 0, step, double(step) * 0.5, double(step) });
    return points;
}

} // namespace

class TestStoreCrashSafety final : public QObject
{
    Q_OBJECT

private slots:
    void killedWritersLoseNothingAcknowledged()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("store.sqlite");
        int64_t run = 0;
        {
            auto store = store::ExperimentStore::open(path.toStdString());
            QVERIFY(store);
            auto created = (*store)->createRun({ "crash", "kills", "{}", "cpu", {} });
            QVERIFY(created);
            run = *created;
        }
        std::mt19937 random(20261127);
        std::set<int64_t> acknowledged;
        int64_t next = 0; // the first batch of the next child
        int kills = 0;
        int killsBeforeFirstCommit = 0; // the child died while opening or in its first batch
        for (int round = 0; round < 50; ++round) {
            QProcess child;
            child.start(Child,
                        { path, QString::number(run), "0", QString::number(next), "0",
                          QString::number(Points) });
            QVERIFY2(child.waitForStarted(), qPrintable(child.errorString()));
            // Kill at a random moment: sometimes before the first commit, mostly mid-stream.
            QTest::qWait(int(std::uniform_int_distribution<int>(0, 60)(random)));
            ::kill(pid_t(child.processId()), SIGKILL);
            QVERIFY(child.waitForFinished(10000));
            QCOMPARE(child.exitStatus(), QProcess::CrashExit);
            ++kills;
            const QByteArray output = child.readAllStandardOutput();
            killsBeforeFirstCommit += output.contains("committed") ? 0 : 1;
            for (const QByteArray& line : output.split('\n')) {
                if (line.startsWith("committed "))
                    acknowledged.insert(line.mid(10).toLongLong());
            }
            // The batch being written when the kill came may or may not be in; never half.
            QCOMPARE(scalar(path, "PRAGMA integrity_check"), QString("ok"));
            const int64_t rows = scalar(path, "SELECT count(*) FROM metrics").toLongLong();
            QCOMPARE(rows % Points, int64_t(0));
            const std::map<int64_t, int64_t> stored = correctRowsPerBatch(path);
            for (const int64_t batch : acknowledged) {
                const auto found = stored.find(batch);
                QVERIFY2(found != stored.end() && found->second == Points,
                         qPrintable(QString("acknowledged batch %1 is not whole").arg(batch)));
            }
            for (const auto& [batch, correct] : stored) // no batch is in part
                QCOMPARE(correct, Points);
            // Whole batches only: every row belongs to a batch that is complete.
            QCOMPARE(rows, int64_t(stored.size()) * Points);
            // Replaying the last acknowledged batch, as a reconnecting writer does, adds nothing.
            if (!acknowledged.empty()) {
                auto store = store::ExperimentStore::open(path.toStdString());
                QVERIFY2(store, store ? "" : store.error().message().c_str());
                const auto replayed =
                        (*store)->appendMetrics(batchPoints(run, *acknowledged.rbegin()));
                QVERIFY2(replayed, replayed ? "" : replayed.error().message().c_str());
                QCOMPARE(scalar(path, "SELECT count(*) FROM metrics").toLongLong(), rows);
            }
            // The next writer starts with the last acknowledged batch again: a replay.
            next = acknowledged.empty() ? 0 : *acknowledged.rbegin();
        }
        QCOMPARE(kills, 50);
        qInfo("%d kills (%d before the first commit), %zu batches acknowledged, %lld rows stored",
              kills, killsBeforeFirstCommit, acknowledged.size(),
              static_cast<long long>(scalar(path, "SELECT count(*) FROM metrics").toLongLong()));
        QVERIFY2(acknowledged.size() >= 10,
                 qPrintable(QString("only %1 batches acknowledged").arg(acknowledged.size())));

        // Replaying the last acknowledged batch once more changes nothing.
        const int64_t before = scalar(path, "SELECT count(*) FROM metrics").toLongLong();
        QProcess replay;
        replay.start(Child,
                     { path, QString::number(run), "0", QString::number(*acknowledged.rbegin()),
                       "1", QString::number(Points) });
        QVERIFY(replay.waitForFinished(30000));
        QCOMPARE(replay.exitCode(), 0);
        QCOMPARE(scalar(path, "SELECT count(*) FROM metrics").toLongLong(), before);
        QCOMPARE(scalar(path,
                        "SELECT count(*) FROM (SELECT step FROM metrics GROUP BY run_id, "
                        "name, worker, step HAVING count(*) > 1)"),
                 QString("0"));
    }
};

QTEST_GUILESS_MAIN(TestStoreCrashSafety)

#include "tst_store_crash_safety.moc"
