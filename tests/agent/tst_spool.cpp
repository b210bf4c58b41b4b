// The agent's spool (agent/spool.h) and its ranks' recorder (agent/rank_recorder.h): records come
// back in order with increasing sequences, batches respect their size, checkpoints travel as
// payloads, an ACK removes exactly what it covers, records survive reopening, and two processes'
// worth of connections append without losing one.
#include "agent/rank_recorder.h"
#include "agent/spool.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <fstream>
#include <thread>

using namespace ts;

namespace {

wire::Record logRecord(int64_t job, const std::string& text)
{
    wire::Record r;
    r.set_job(job);
    r.mutable_log()->set_text(text);
    return r;
}

} // namespace

class TestSpool final : public QObject
{
    Q_OBJECT

private slots:
    void recordsComeBackInOrder()
    {
        auto spool = agent::Spool::open(path("order.sqlite"));
        QVERIFY(spool);
        for (int i = 0; i < 5; ++i)
            QVERIFY((*spool)->append(logRecord(1, "line " + std::to_string(i))).ok());
        auto batch = (*spool)->pending(1 << 20);
        QVERIFY(batch);
        QCOMPARE(batch->records.records_size(), 5);
        for (int i = 0; i < 5; ++i) {
            QCOMPARE(batch->records.records(i).log().text(), "line " + std::to_string(i));
            if (i > 0)
                QVERIFY(batch->records.records(i).sequence()
                        > batch->records.records(i - 1).sequence());
        }
        QCOMPARE(batch->lastSequence, batch->records.records(4).sequence());
    }

    void batchesStopAtTheirSize_data()
    {
        QTest::addColumn<int>("maxBytes");
        QTest::addColumn<int>("expected");
        QTest::newRow("a tiny limit still sends one") << 1 << 1;
        QTest::newRow("about three records") << 3 * 1000 << 3;
        QTest::newRow("everything fits") << (1 << 20) << 10;
    }
    void batchesStopAtTheirSize()
    {
        QFETCH(int, maxBytes);
        QFETCH(int, expected);
        auto spool = agent::Spool::open(path(QString("size-%1.sqlite").arg(maxBytes)));
        QVERIFY(spool);
        for (int i = 0; i < 10; ++i)
            QVERIFY((*spool)->append(logRecord(1, std::string(990, char('a' + i)))).ok());
        auto batch = (*spool)->pending(size_t(maxBytes));
        QVERIFY(batch);
        QCOMPARE(batch->records.records_size(), expected);
    }

    void checkpointsTravelAsPayloads()
    {
        auto spool = agent::Spool::open(path("checkpoints.sqlite"));
        QVERIFY(spool);
        wire::Record first;
        first.mutable_checkpoint()->set_step(100);
        wire::Record second;
        second.mutable_checkpoint()->set_step(200);
        QVERIFY((*spool)->append(first, "checkpoint-100").ok());
        QVERIFY((*spool)->append(logRecord(1, "between")).ok());
        QVERIFY((*spool)->append(second, std::string(3000, '\0') + "x").ok());
        auto batch = (*spool)->pending(1 << 20);
        QVERIFY(batch);
        QCOMPARE(batch->payloads.size(), size_t(2));
        QCOMPARE(batch->records.records(0).checkpoint().payload(), 0u);
        QCOMPARE(batch->records.records(2).checkpoint().payload(), 1u);
        QCOMPARE(batch->payloads[0], std::string("checkpoint-100"));
        QCOMPARE(batch->payloads[1].size(), size_t(3001)); // binary, NULs included
    }

    void acknowledgeRemovesWhatItCovers()
    {
        const std::string file = path("ack.sqlite");
        {
            auto spool = agent::Spool::open(file);
            QVERIFY(spool);
            for (int i = 0; i < 4; ++i)
                QVERIFY((*spool)->append(logRecord(1, std::to_string(i))).ok());
            auto batch = (*spool)->pending(1 << 20);
            QVERIFY(batch);
            // Appended after the batch was read: the ACK of the batch must not cover it.
            QVERIFY((*spool)->append(logRecord(1, "late")).ok());
            QVERIFY((*spool)->acknowledge(batch->lastSequence).ok());
            QCOMPARE(*(*spool)->size(), int64_t(1));
        }
        auto reopened = agent::Spool::open(file); // what was not acknowledged survives
        QVERIFY(reopened);
        auto rest = (*reopened)->pending(1 << 20);
        QVERIFY(rest);
        QCOMPARE(rest->records.records_size(), 1);
        QCOMPARE(rest->records.records(0).log().text(), std::string("late"));
    }

    void concurrentAppendersLoseNothing()
    {
        const std::string file = path("concurrent.sqlite");
        QVERIFY(agent::Spool::open(file));
        auto appendMany = [&](int64_t job) {
            auto spool = agent::Spool::open(file);
            for (int i = 0; spool && i < 300; ++i)
                (void)(*spool)->append(logRecord(job, std::to_string(i)));
        };
        std::thread a(appendMany, 1), b(appendMany, 2);
        a.join();
        b.join();
        auto spool = agent::Spool::open(file);
        QCOMPARE(*(*spool)->size(), int64_t(600));
        auto batch = (*spool)->pending(size_t(1) << 30);
        int perJob[3] = { 0, 0, 0 };
        for (const wire::Record& r : batch->records.records()) {
            const int expected = perJob[r.job()]++;
            QCOMPARE(r.log().text(), std::to_string(expected)); // each appender's order kept
        }
    }

    void recorderStampsAndBatchesPoints()
    {
        auto spool = agent::Spool::open(path("recorder.sqlite"));
        QVERIFY(spool);
        agent::RankRecorder recorder(**spool, { 7, 2, 0, 41 });
        QCOMPARE(*recorder.createRun({ "e", "n", "{}", "cpu", { { "epochs", "3" } } }),
                 int64_t(41));
        for (int64_t step = 1; step <= 10; ++step)
            QVERIFY(recorder.appendMetric({ 41, "train_loss", 0, step, 1.0 / double(step), 1.0 })
                            .ok());
        QVERIFY(recorder.flushMetrics().ok());
        const std::string checkpoint = path("step-10.tsckpt");
        std::ofstream(checkpoint) << "checkpoint bytes";
        QVERIFY(recorder.checkpointSaved(41, 10, checkpoint).ok());
        QVERIFY(recorder.finishRun(41, store::RunStatus::Finished, "").ok());
        auto batch = (*spool)->pending(1 << 20);
        QVERIFY(batch);
        QStringList kinds;
        for (const wire::Record& r : batch->records.records()) {
            QCOMPARE(r.job(), int64_t(7));
            QCOMPARE(r.attempt(), 2);
            QCOMPARE(r.run(), int64_t(41));
            kinds << QString::fromStdString(
                    wire::Record::descriptor()->FindFieldByNumber(r.kind_case())->name());
        }
        // The first point alone (a chart shows the run at once), the next nine in one record; the
        // checkpoint after them, then its log line, then the end.
        QCOMPARE(kinds,
                 QStringList({ "describe", "metrics", "metrics", "checkpoint", "log", "end" }));
        QCOMPARE(batch->records.records(1).metrics().points_size(), 1);
        QCOMPARE(batch->records.records(2).metrics().points_size(), 9);
        QCOMPARE(batch->payloads.front(), std::string("checkpoint bytes"));
        QCOMPARE(batch->records.records(5).end().status(), std::string("finished"));
    }

private:
    std::string path(const QString& name) { return m_dir.filePath(name).toStdString(); }
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestSpool)
#include "tst_spool.moc"
