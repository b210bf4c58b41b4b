// The coordinator's job life cycle (cluster/job_control.h) without sockets: agents are
// AgentStates, messages are the Outgoing list, the store is a real SQLite file.
#include "cluster/job_control.h"
#include "net/curve_keys.h"
#include "train/pipeline_runner.h" // for checkpointPathOf

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <set>

using namespace ts;
using cluster::AgentState;
using cluster::Outgoing;
using store::JobState;

namespace {

AgentState agent(const std::string& id, uint32_t slotCount)
{
    AgentState a;
    a.id = id;
    a.routingId = "route-" + id;
    a.info.set_agent_id(id);
    a.info.set_host(id + ".lab");
    a.info.set_cpu_slots(slotCount);
    a.lastSeen = cluster::Clock::now();
    return a;
}

std::vector<int64_t> assignedJobs(const std::vector<Outgoing>& out)
{
    std::vector<int64_t> jobs;
    for (const Outgoing& o : out)
        if (o.header.type() == wire::ASSIGN)
            jobs.push_back(o.header.assign().job());
    return jobs;
}

// A valid pipeline on `device`; its files need not exist (the agent's rank reads them).
std::string pipelineOn(const std::string& device)
{
    return R"({ "trainstudio": 1, "name": "job", "stages": [
        { "source": { "format": "csv", "train": { "file": "train.csv" }, "labelColumn": "y",
                      "split": { "test": 0.2 } } },
        { "train": { "model": { "type": "logistic_regression" }, "optimizer": { "type": "sgd" },
                     "device": ")"
            + device + R"(" } } ] })";
}

AgentState gpuAgent(const std::string& id, std::vector<uint64_t> freeBytes)
{
    AgentState a = agent(id, 1);
    for (uint64_t bytes : freeBytes) {
        wire::Gpu* gpu = a.info.add_gpus();
        gpu->set_name("NVIDIA H100");
        gpu->set_memory_total(uint64_t(80) << 30);
        gpu->set_memory_free(bytes);
    }
    return a;
}

wire::Record record(const store::JobRecord& job, int attempt)
{
    wire::Record r;
    r.set_job(job.id);
    r.set_attempt(attempt);
    r.set_run(job.run);
    return r;
}

} // namespace

class TestJobControl final : public QObject
{
    Q_OBJECT

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_path = m_dir.filePath(QString("jobs-%1.sqlite").arg(++m_count)).toStdString();
        auto control = cluster::JobControl::open(m_path, std::chrono::milliseconds(0));
        QVERIFY(control);
        m_control = std::move(*control);
        auto store = store::ExperimentStore::open(m_path);
        QVERIFY(store);
        m_store = std::move(*store);
    }

    void higherPriorityRunsFirstThenSubmissionOrder()
    {
        const int64_t low = submit(0), high1 = submit(5), high2 = submit(5);
        const auto out = m_control->schedule({ agent("a", 1), agent("b", 1) }, later());
        QCOMPARE(assignedJobs(out), (std::vector<int64_t> { high1, high2 }));
        QVERIFY(m_store->job(low)->state == JobState::Queued);
        QVERIFY(m_store->job(high1)->state == JobState::Running);
        QCOMPARE(m_store->job(high1)->attempt, 1);
        QVERIFY(m_store->job(high1)->run > 0);
        // Nothing more until a slot frees.
        QVERIFY(assignedJobs(m_control->schedule({ agent("a", 1), agent("b", 1) }, later()))
                        .empty());
    }

    void jobsSpreadOverTheFreestAgents()
    {
        const int64_t first = submit(0), second = submit(0), third = submit(0);
        const auto out = m_control->schedule({ agent("a", 1), agent("b", 3) }, later());
        QCOMPARE(assignedJobs(out), (std::vector<int64_t> { first, second, third }));
        QCOMPARE(m_store->job(first)->agent, std::string("b"));  // 3 free
        QCOMPARE(m_store->job(second)->agent, std::string("b")); // b 2 free, a 1
        QCOMPARE(out[0].routingId, std::string("route-b"));
    }

    void assignCarriesTheJob()
    {
        const int64_t id = submit(0, 50);
        const auto out = m_control->schedule({ agent("a", 1) }, later());
        QCOMPARE(out.size(), size_t(1));
        const wire::Assign& a = out[0].header.assign();
        QCOMPARE(a.job(), id);
        QCOMPARE(a.attempt(), 1);
        QCOMPARE(a.checkpoint_every(), int64_t(50));
        QCOMPARE(a.base_dir(), std::string("/data"));
        QCOMPARE(a.pipeline_json(), pipelineOn("cpu"));
        QCOMPARE(a.device(), std::string("cpu"));
        QVERIFY(!a.resume());
        QCOMPARE(a.run(), m_store->job(id)->run);
    }

    void devicesArePlaced_data()
    {
        QTest::addColumn<QStringList>("requests"); // the pipelines' devices, in submission order
        QTest::addColumn<QStringList>("expected"); // "agent device" of each, or "waits"
        const QStringList cudaTwice { "cuda", "cuda" };
        QTest::newRow("cuda takes a free GPU each, spread over agents")
                << QStringList { "cuda", "cuda", "cuda" }
                << QStringList { "g2 cuda:0", "g1 cuda:0", "g2 cuda:1" };
        QTest::newRow("a GPU with little free memory is taken by someone else")
                << QStringList { "cuda", "cuda", "cuda", "cuda" }
                << QStringList { "g2 cuda:0", "g1 cuda:0", "g2 cuda:1", "waits" };
        QTest::newRow("auto prefers a GPU, then a CPU slot")
                << QStringList { "auto", "auto", "auto", "auto", "auto" }
                << QStringList { "g2 cuda:0", "g1 cuda:0", "g2 cuda:1", "c cpu", "g1 cpu" };
        QTest::newRow("cpu never takes a GPU")
                << QStringList { "cpu", "cpu", "cpu", "cpu", "cpu" }
                << QStringList { "c cpu", "g1 cpu", "g2 cpu", "waits", "waits" };
        QTest::newRow("a waiting GPU job does not hold up a CPU job behind it")
                << QStringList { "cuda", "cuda", "cuda", "cuda", "cpu" }
                << QStringList { "g2 cuda:0", "g1 cuda:0", "g2 cuda:1", "waits", "c cpu" };
    }
    void devicesArePlaced()
    {
        QFETCH(QStringList, requests);
        QFETCH(QStringList, expected);
        std::vector<int64_t> ids;
        for (const QString& device : requests)
            ids.push_back(submit(0, 0, device.toStdString()));
        // g1: one GPU; g2: two GPUs and a third that something else fills; c: CPUs only.
        const std::vector<AgentState> agents {
            gpuAgent("g1", { uint64_t(70) << 30 }),
            gpuAgent("g2", { uint64_t(79) << 30, uint64_t(79) << 30, uint64_t(200) << 20 }),
            agent("c", 1)
        };
        m_control->schedule(agents, later());
        for (size_t i = 0; i < ids.size(); ++i) {
            const store::JobRecord job = *m_store->job(ids[i]);
            const QString where = job.state == JobState::Running
                    ? QString::fromStdString(job.agent + " " + job.device)
                    : "waits";
            QCOMPARE(where, expected[int(i)]);
        }
    }

    void ranksOfAJobArePlacedTogether()
    {
        const int64_t wide = submit(5, 0, "cuda", 4), three = submit(0, 0, "cpu", 3);
        const std::vector<AgentState> agents {
            gpuAgent("g1", { uint64_t(70) << 30 }),
            gpuAgent("g2", { uint64_t(79) << 30, uint64_t(79) << 30 }), agent("c", 2)
        };
        const auto out = m_control->schedule(agents, later());
        // Four GPUs asked, three free: the job waits and takes none; the CPU job goes.
        QVERIFY(m_store->job(wide)->state == JobState::Queued);
        QVERIFY(m_store->job(wide)->placement.empty());
        const store::JobRecord job = *m_store->job(three);
        QVERIFY(job.state == JobState::Running);
        QStringList where;
        for (const store::RankPlacement& p : job.placement)
            where << QString::fromStdString(p.agent + " " + p.device);
        QCOMPARE(where, QStringList({ "c cpu", "c cpu", "g1 cpu" }));
        QCOMPARE(out.size(), size_t(3));
        std::set<std::string> keys;
        for (int rank = 0; rank < 3; ++rank) {
            const wire::Assign& a = out[size_t(rank)].header.assign();
            QCOMPARE(a.rank(), rank);
            QCOMPARE(a.world_size(), 3);
            QVERIFY(ts::net::isZ85Key(a.job_public_key()) && ts::net::isZ85Key(a.job_secret_key()));
            keys.insert(a.job_public_key());
        }
        QCOMPARE(keys.size(), size_t(1)); // one key pair for the job's ranks
    }

    void rendezvousGoesOutOnceEveryRankReported()
    {
        const int64_t id = submit(0, 0, "cpu", 3);
        m_control->schedule({ agent("a", 2), agent("b", 1) }, later());
        store::JobRecord job = *m_store->job(id);
        const std::string agentOf[3] = { job.placement[0].agent, job.placement[1].agent,
                                         job.placement[2].agent };
        std::vector<Outgoing> sent;
        for (int rank = 0; rank < 3; ++rank) {
            wire::Records records;
            wire::Record r = record(job, 1);
            r.set_rank(rank);
            r.set_endpoint("tcp://127.0.0.1:" + std::to_string(5000 + rank));
            *records.add_records() = r;
            QVERIFY(m_control->apply(agentOf[rank], records, {}).ok());
            sent = m_control->schedule({ agent("a", 2), agent("b", 1) }, later());
            if (rank < 2)
                QVERIFY(sent.empty());
        }
        QCOMPARE(sent.size(), size_t(2)); // one table per agent
        for (const Outgoing& o : sent) {
            QCOMPARE(o.header.type(), wire::RENDEZVOUS);
            QCOMPARE(o.header.rendezvous().peers_size(), 3);
            QCOMPARE(o.header.rendezvous().peers(2).endpoint(),
                     std::string("tcp://127.0.0.1:5002"));
        }
    }

    void aJobOfSeveralRanksEndsWithAllOrWithTheFirstFailure()
    {
        const int64_t id = submit(0, 0, "cpu", 2);
        m_control->schedule({ agent("a", 1), agent("b", 1) }, later());
        const store::JobRecord job = *m_store->job(id);
        const auto endOf = [&](int rank, const std::string& status) {
            wire::Records records;
            wire::Record r = record(job, 1);
            r.set_rank(rank);
            r.mutable_end()->set_status(status);
            r.mutable_end()->set_error(status == "failed" ? "out of memory" : "");
            *records.add_records() = r;
            return m_control->apply(job.placement[size_t(rank)].agent, records, {});
        };
        QVERIFY(endOf(1, "finished").ok());
        QVERIFY(m_store->job(id)->state == JobState::Running); // rank 0 still trains
        QVERIFY(endOf(0, "finished").ok());
        QVERIFY(m_store->job(id)->state == JobState::Finished);

        const int64_t failing = submit(0, 0, "cpu", 2);
        m_control->schedule({ agent("a", 1), agent("b", 1) }, later());
        const store::JobRecord second = *m_store->job(failing);
        wire::Records records;
        wire::Record r = record(second, 1);
        r.set_rank(1);
        r.mutable_end()->set_status("failed");
        r.mutable_end()->set_error("out of memory");
        *records.add_records() = r;
        QVERIFY(m_control->apply(second.placement[1].agent, records, {}).ok());
        const store::JobRecord failed = *m_store->job(failing);
        QVERIFY(failed.state == JobState::Failed);
        QCOMPARE(failed.message, std::string("rank 1: out of memory"));
        // Rank 0 is told to stop.
        const auto out = m_control->schedule({ agent("a", 1), agent("b", 1) }, later());
        QCOMPARE(out.size(), size_t(1));
        QCOMPARE(out[0].header.type(), wire::CANCEL);
        QCOMPARE(out[0].routingId, "route-" + second.placement[0].agent);
    }

    void aSlowWorkerBecomesAStragglerEvent()
    {
        const int64_t id = submit(0, 0, "cpu", 2);
        m_control->schedule({ agent("a", 1), agent("b", 1) }, later());
        const store::JobRecord job = *m_store->job(id);
        // Ten log windows; rank 1 takes 3x rank 0's data and compute time.
        for (int rank : { 0, 1 }) {
            wire::Records records;
            wire::Record r = record(job, 1);
            r.set_rank(rank);
            for (int window = 1; window <= 10; ++window)
                for (const char* name : { "time_data_ms", "time_compute_ms" }) {
                    auto* p = r.mutable_metrics()->add_points();
                    p->set_name(name);
                    p->set_worker(rank);
                    p->set_step(50 * window);
                    p->set_value(rank == 1 ? 15.0 : 5.0);
                }
            *records.add_records() = r;
            QVERIFY(m_control->apply(job.placement[size_t(rank)].agent, records, {}).ok());
        }
        const auto events = *m_store->events(job.run);
        std::vector<store::RunEvent> stragglers;
        for (const store::RunEvent& e : events)
            if (e.kind == "straggler")
                stragglers.push_back(e);
        QCOMPARE(int(stragglers.size()), 1);
        QCOMPARE(stragglers[0].worker, 1);
        QCOMPARE(stragglers[0].message,
                 std::string("worker 1's steps take 3.0x the others' median (30.0 ms against "
                             "10.0 ms of data and compute)"));
    }

    void cancelQueuedEndsItRunningAsksTheAgentOnce()
    {
        const int64_t running = submit(1), queued = submit(0);
        m_control->schedule({ agent("a", 1) }, later());
        QVERIFY(m_store->requestCancel(running).ok());
        QVERIFY(m_store->requestCancel(queued).ok());
        const auto out = m_control->schedule({ agent("a", 1) }, later());
        QCOMPARE(out.size(), size_t(1));
        QCOMPARE(out[0].header.type(), wire::CANCEL);
        QCOMPARE(out[0].header.cancel().job(), running);
        QVERIFY(m_store->job(queued)->state == JobState::Cancelled);
        QVERIFY(m_control->schedule({ agent("a", 1) }, later()).empty()); // asked once
    }

    void lostAgentPausesTheJobWhichResumesFromItsCheckpoint()
    {
        const int64_t id = submit(0, 100);
        m_control->schedule({ agent("a", 1) }, later());
        store::JobRecord job = *m_store->job(id);
        // The rank's checkpoint of step 300 arrives.
        wire::Records records;
        wire::Record checkpoint = record(job, 1);
        checkpoint.mutable_checkpoint()->set_step(300);
        checkpoint.mutable_checkpoint()->set_payload(0);
        *records.add_records() = checkpoint;
        const std::string_view bytes = "the checkpoint";
        QVERIFY(m_control->apply("a", records, { &bytes, 1 }).ok());
        QCOMPARE(m_store->job(id)->checkpointStep, int64_t(300));
        // An older one, replayed, changes nothing.
        records.mutable_records(0)->mutable_checkpoint()->set_step(200);
        const std::string_view old = "older";
        QVERIFY(m_control->apply("a", records, { &old, 1 }).ok());
        QCOMPARE(m_store->job(id)->checkpointStep, int64_t(300));

        // Agent a is gone: the job pauses, and a's ranks of attempt 1 are told to stop (should a
        // come back, they must not train on beside the resumed attempt).
        const auto stop = m_control->schedule({}, later());
        QCOMPARE(stop.size(), size_t(1));
        QCOMPARE(stop[0].header.type(), wire::CANCEL);
        QCOMPARE(stop[0].header.cancel().attempt(), 1);
        QCOMPARE(stop[0].routingId, std::string("route-a"));
        job = *m_store->job(id);
        QVERIFY(job.state == JobState::Paused);
        QVERIFY2(job.message.find("agent a lost; resumes from step 300") != std::string::npos,
                 job.message.c_str());
        const auto out = m_control->schedule({ agent("b", 1) }, later());
        QCOMPARE(out.size(), size_t(1));
        QVERIFY(out[0].header.assign().resume());
        QCOMPARE(out[0].header.assign().attempt(), 2);
        QCOMPARE(out[0].payloads, std::vector<std::string> { "the checkpoint" });
        QCOMPARE(m_store->job(id)->agent, std::string("b"));
    }

    void aPausedAttemptThatFinishedMeanwhileEnds_data()
    {
        QTest::addColumn<QString>("status");
        QTest::addColumn<QString>("expected");
        QTest::newRow("finished while the coordinator was away") << "finished"
                                                                 << "finished";
        QTest::newRow("cancelled by the pause itself") << "cancelled"
                                                       << "paused";
        QTest::newRow("failed after the pause") << "failed"
                                                << "paused";
    }
    void aPausedAttemptThatFinishedMeanwhileEnds()
    {
        QFETCH(QString, status);
        QFETCH(QString, expected);
        const int64_t id = submit(0);
        m_control->schedule({ agent("a", 1) }, later());
        m_control->schedule({}, later()); // a is away: paused, not restarted (no agent)
        const store::JobRecord job = *m_store->job(id);
        QVERIFY(job.state == JobState::Paused);
        wire::Records records;
        wire::Record end = record(job, 1);
        end.mutable_end()->set_status(status.toStdString());
        *records.add_records() = end;
        wire::Record exit = record(job, 1);
        exit.mutable_exit()->set_exit_code(status == "failed" ? 1 : 0);
        *records.add_records() = exit;
        QVERIFY(m_control->apply("a", records, {}).ok());
        QCOMPARE(QString::fromStdString(store::toString(m_store->job(id)->state)), expected);
    }

    void recordsOfAStaleAttemptOnlyAddPoints()
    {
        const int64_t id = submit(0);
        m_control->schedule({ agent("a", 1) }, later());
        m_control->schedule({}, later());                // lost: paused
        m_control->schedule({ agent("b", 1) }, later()); // attempt 2 on b
        const store::JobRecord job = *m_store->job(id);
        wire::Records records;
        wire::Record points = record(job, 1);
        auto* p = points.mutable_metrics()->add_points();
        p->set_name("train_loss");
        p->set_step(10);
        p->set_value(0.5);
        *records.add_records() = points;
        wire::Record end = record(job, 1);
        end.mutable_end()->set_status("failed");
        *records.add_records() = end;
        QVERIFY(m_control->apply("a", records, {}).ok());
        QVERIFY(m_control->apply("a", records, {}).ok());      // replayed
        QVERIFY(m_store->job(id)->state == JobState::Running); // attempt 2 goes on
        QCOMPARE(m_store->metricSeries(job.run, "train_loss")->size(), size_t(1));
    }

    void endAndExitRecords_data()
    {
        QTest::addColumn<QString>("status");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<JobState>("expected");
        QTest::addColumn<QString>("message");
        QTest::newRow("finished") << "finished" << 0 << JobState::Finished << "";
        QTest::newRow("cancelled") << "cancelled" << 0 << JobState::Cancelled << "";
        QTest::newRow("failed with its reason")
                << "failed" << 1 << JobState::Failed << "train.csv: line 3: bad";
        QTest::newRow("crashed without an end")
                << "" << -11 << JobState::Failed << "rank 0 exited on signal 11: segfault";
    }
    void endAndExitRecords()
    {
        QFETCH(QString, status);
        QFETCH(int, exitCode);
        QFETCH(JobState, expected);
        QFETCH(QString, message);
        const int64_t id = submit(0);
        m_control->schedule({ agent("a", 1) }, later());
        const store::JobRecord job = *m_store->job(id);
        wire::Records records;
        if (!status.isEmpty()) {
            wire::Record end = record(job, 1);
            end.mutable_end()->set_status(status.toStdString());
            end.mutable_end()->set_error(message.toStdString());
            *records.add_records() = end;
        }
        wire::Record exit = record(job, 1);
        exit.mutable_exit()->set_exit_code(exitCode);
        exit.mutable_exit()->set_message("segfault");
        *records.add_records() = exit;
        QVERIFY(m_control->apply("a", records, {}).ok());
        const store::JobRecord ended = *m_store->job(id);
        QCOMPARE(store::toString(ended.state), store::toString(expected));
        QCOMPARE(QString::fromStdString(ended.message), message);
        QVERIFY(ended.finishedAt > 0);
        QCOMPARE(store::toString(m_store->runDetails(job.run)->status),
                 expected == JobState::Finished            ? std::string("finished")
                         : expected == JobState::Cancelled ? std::string("cancelled")
                                                           : std::string("failed"));
    }

    void reRegisteredAgentWithoutTheJobPausesIt()
    {
        const int64_t kept = submit(0), gone = submit(0);
        m_control->schedule({ agent("a", 2) }, later());
        AgentState back = agent("a", 2);
        wire::RunningJob* running = back.info.add_running();
        running->set_job(kept);
        running->set_attempt(1);
        m_control->agentRegistered(back);
        QVERIFY(m_store->job(kept)->state == JobState::Running);
        QVERIFY(m_store->job(gone)->state == JobState::Paused);
    }

    void recordsOfUnknownJobsOrRunsAreDropped()
    {
        const int64_t id = submit(0);
        m_control->schedule({ agent("a", 1) }, later());
        store::JobRecord job = *m_store->job(id);
        wire::Records records;
        wire::Record forged = record(job, 1);
        forged.set_run(job.run + 1000); // another run than the job's
        forged.mutable_end()->set_status("finished");
        *records.add_records() = forged;
        wire::Record unknown = record(job, 1);
        unknown.set_job(424242);
        unknown.mutable_end()->set_status("finished");
        *records.add_records() = unknown;
        QVERIFY(m_control->apply("a", records, {}).ok());
        QVERIFY(m_store->job(id)->state == JobState::Running);
    }

private:
    int64_t submit(int priority, int64_t checkpointEvery = 0, const std::string& device = "cpu",
                   int ranks = 1)
    {
        return *m_store->submitJob(
                { "e", "job", pipelineOn(device), "/data", priority, checkpointEvery, ranks });
    }
    cluster::Clock::time_point later() { return cluster::Clock::now() + std::chrono::seconds(1); }

    QTemporaryDir m_dir;
    int m_count = 0;
    std::string m_path;
    std::unique_ptr<cluster::JobControl> m_control;
    std::unique_ptr<store::ExperimentStore> m_store;
};

QTEST_GUILESS_MAIN(TestJobControl)
#include "tst_job_control.moc"
