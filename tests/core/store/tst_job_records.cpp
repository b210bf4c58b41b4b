// Tests of the coordinator's job queue in the store (job_records.cpp): submission, the state a
// coordinator saves, cancel requests, logs replayed once, runs described after they start, and
// the schema step that adds the tables to a store of version 5.
#include "store/experiment_store.h"
#include "store_test_support.h"

#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace ts;
using store::ExperimentStore;
using store::JobRecord;
using store::JobState;
using test::openStore;

Q_DECLARE_METATYPE(ts::store::JobState)

class TestJobRecords final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_store = openStore(m_dir.filePath("jobs.sqlite").toStdString());
        QVERIFY(m_store);
    }

    void stateNamesRoundTrip_data()
    {
        QTest::addColumn<JobState>("state");
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ended");
        QTest::newRow("queued waits") << JobState::Queued << "queued" << false;
        QTest::newRow("running runs") << JobState::Running << "running" << false;
        QTest::newRow("paused waits for an agent") << JobState::Paused << "paused" << false;
        QTest::newRow("finished ended") << JobState::Finished << "finished" << true;
        QTest::newRow("failed ended") << JobState::Failed << "failed" << true;
        QTest::newRow("cancelled ended") << JobState::Cancelled << "cancelled" << true;
    }
    void stateNamesRoundTrip()
    {
        QFETCH(JobState, state);
        QFETCH(QString, text);
        QFETCH(bool, ended);
        QCOMPARE(QString::fromStdString(store::toString(state)), text);
        QVERIFY(store::jobStateFromString(text.toStdString()) == std::optional(state));
        QCOMPARE(store::isEnded(state), ended);
    }

    void unknownStateIsNone()
    {
        QVERIFY(!store::jobStateFromString("Running"));
        QVERIFY(!store::jobStateFromString(""));
    }

    void submittedJobIsQueued()
    {
        auto id = m_store->submitJob({ "mnist", "mlp", "{\"stages\":[]}", "/data", 5, 100 });
        QVERIFY2(id.ok(), id.ok() ? "" : id.error().message().c_str());
        auto job = m_store->job(*id);
        QVERIFY(job.ok());
        QCOMPARE(store::toString(job->state), store::toString(JobState::Queued));
        QCOMPARE(job->experiment, std::string("mnist"));
        QCOMPARE(job->baseDir, std::string("/data"));
        QCOMPARE(job->priority, 5);
        QCOMPARE(job->checkpointEvery, int64_t(100));
        QCOMPARE(job->run, int64_t(0));
        QCOMPARE(job->attempt, 0);
        QCOMPARE(job->checkpointStep, int64_t(-1));
        QVERIFY(job->submittedAt > 1.7e9);
        QVERIFY(!job->cancelRequested);
    }

    void badSubmissionsAreRefused()
    {
        auto empty = m_store->submitJob({ "mnist", "x", "", "/", 0, 0 });
        QVERIFY(!empty.ok());
        QCOMPARE(empty.error().kind(), common::ErrorKind::InvalidInput);
        auto negative = m_store->submitJob({ "mnist", "x", "{}", "/", 0, -1 });
        QVERIFY(!negative.ok());
        QVERIFY(negative.error().message().find("checkpoint") != std::string::npos);
    }

    void coordinatorStateIsSaved()
    {
        const int64_t id = *m_store->submitJob({ "mnist", "saved", "{}", "/", 0, 10 });
        const int64_t run = *m_store->createRun({ "mnist", "saved", "{}", "", {} });
        JobRecord job = *m_store->job(id);
        job.state = JobState::Running;
        job.run = run;
        job.attempt = 2;
        job.agent = "lab-3";
        job.checkpointStep = 400;
        job.startedAt = 1.8e9;
        job.message = "resumed from step 400";
        QVERIFY(m_store->saveJob(job).ok());
        const JobRecord back = *m_store->job(id);
        QCOMPARE(store::toString(back.state), store::toString(JobState::Running));
        QCOMPARE(back.run, run);
        QCOMPARE(back.attempt, 2);
        QCOMPARE(back.agent, std::string("lab-3"));
        QCOMPARE(back.checkpointStep, int64_t(400));
        QCOMPARE(back.startedAt, 1.8e9);
        QCOMPARE(back.message, std::string("resumed from step 400"));
        job.id = 99999;
        auto missing = m_store->saveJob(job);
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind(), common::ErrorKind::NotFound);
    }

    void activeJobsLeaveOutEndedOnes()
    {
        const int64_t ended = *m_store->submitJob({ "mnist", "ended", "{}", "/", 0, 0 });
        JobRecord job = *m_store->job(ended);
        job.state = JobState::Finished;
        QVERIFY(m_store->saveJob(job).ok());
        const auto all = *m_store->jobs();
        const auto active = *m_store->jobs(true);
        QVERIFY(all.size() == active.size() + 1);
        QCOMPARE(all.front().id, ended); // newest first
        for (const JobRecord& a : active)
            QVERIFY(!store::isEnded(a.state));
    }

    void cancelRequests()
    {
        const int64_t id = *m_store->submitJob({ "mnist", "cancel", "{}", "/", 0, 0 });
        QVERIFY(m_store->requestCancel(id).ok());
        QVERIFY(m_store->job(id)->cancelRequested);
        JobRecord job = *m_store->job(id);
        job.state = JobState::Cancelled;
        QVERIFY(m_store->saveJob(job).ok());
        auto again = m_store->requestCancel(id);
        QVERIFY(!again.ok());
        QCOMPARE(again.error().kind(), common::ErrorKind::InvalidInput);
        QVERIFY(again.error().message().find("already cancelled") != std::string::npos);
        auto unknown = m_store->requestCancel(424242);
        QVERIFY(!unknown.ok());
        QCOMPARE(unknown.error().kind(), common::ErrorKind::NotFound);
    }

    void replayedLogLinesAreStoredOnce()
    {
        const int64_t id = *m_store->submitJob({ "mnist", "logs", "{}", "/", 0, 0 });
        for (int replay = 0; replay < 2; ++replay)
            for (int64_t line = 1; line <= 3; ++line)
                QVERIFY(m_store->appendJobLog(
                                       { 0, id, 1, line, 1.0, 1, "line " + std::to_string(line) })
                                .ok());
        QVERIFY(m_store->appendJobLog({ 0, id, 2, 1, 2.0, 2, "attempt 2" }).ok());
        const auto lines = *m_store->jobLogs(id);
        QCOMPARE(lines.size(), size_t(4));
        QCOMPARE(lines[2].text, std::string("line 3"));
        QCOMPARE(lines[3].attempt, 2);
        QCOMPARE(lines[3].level, 2);
        const auto after = *m_store->jobLogs(id, lines[1].id);
        QCOMPARE(after.size(), size_t(2));
        QCOMPARE(after.front().text, std::string("line 3"));
    }

    void runDescribedAfterItStarted()
    {
        const int64_t run = *m_store->createRun({ "mnist", "described", "{}", "", {} });
        QVERIFY(m_store->describeRun(run, "openblas", { { "epochs", "2" }, { "seed", "7" } }).ok());
        QVERIFY(m_store->describeRun(run, "openblas", { { "epochs", "3" } }).ok());
        const auto details = *m_store->runDetails(run);
        QCOMPARE(details.backend, std::string("openblas"));
        QCOMPARE(details.params.size(), size_t(1));
        QCOMPARE(details.params[0].second, std::string("3"));
        auto missing = m_store->describeRun(77777, "cpu", {});
        QVERIFY(!missing.ok());
        QCOMPARE(missing.error().kind(), common::ErrorKind::NotFound);
    }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<ExperimentStore> m_store;
};

QTEST_GUILESS_MAIN(TestJobRecords)
#include "tst_job_records.moc"
