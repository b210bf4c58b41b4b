// The studio's "Agents and jobs" tab, offscreen, with its embedded coordinator and a real local
// agent process: the agent comes online, "Add agent…" refuses a bad key with the reason and
// stores a good one, a submitted pipeline runs to its end and its run appears under Runs, a second
// window on the same store runs no second coordinator; "Submit pipeline…" queues a job of several
// ranks with the strategy chosen in the dialog, refusing one with no worker or micro-batches that
// do not divide the batch.
#include "add_agent_dialog.h"
#include "cluster_panel.h"
#include "main_window.h"
#include "runs_model.h"
#include "submit_job_dialog.h"

#include "net/curve_keys.h"
#include "store/experiment_store.h"

#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QtTest/QTest>
#include <algorithm>

using ts::gui::ClusterPanel;
using ts::gui::MainWindow;

namespace {

// The text of column `column` in the row whose first column is `key`, or a null string.
QString cell(const QStandardItemModel* model, const QString& key, int column)
{
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->item(row, 0)->text() == key)
            return model->item(row, column)->text();
    return {};
}

} // namespace

class TestClusterPanel final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // The coordinator's key pair goes to the config folder: keep it in the test's folder.
        qputenv("XDG_CONFIG_HOME", m_dir.filePath("config").toUtf8());
        m_window = std::make_unique<MainWindow>(m_dir.filePath("store.sqlite"));
        m_window->startCoordinator();
        m_panel = m_window->clusterPanel();
    }

    void localAgentComesOnline()
    {
        QVERIFY(m_panel->hasCoordinator());
        QVERIFY2(m_panel->statusText().contains("1 local agent"),
                 qPrintable(m_panel->statusText()));
        QTRY_COMPARE_WITH_TIMEOUT(
                (m_panel->refresh(),
                 cell(m_panel->agentsModel(), "local-1", ClusterPanel::AgentStatus)),
                QString("online"), 20000);
        QCOMPARE(cell(m_panel->agentsModel(), "local-1", ClusterPanel::AgentAddress),
                 QString("local"));
    }

    void addAgentDialogRefusesABadKey()
    {
        ts::gui::AddAgentDialog dialog(
                [this](const QString& n, const QString& a, const QString& k) {
                    return m_panel->addAgent(n, a, k);
                });
        dialog.setFields("lab-1", "tcp://lab-1:7150", "not-a-key");
        dialog.accept();
        QVERIFY2(dialog.errorText().contains("is not a public key"),
                 qPrintable(dialog.errorText()));
        QCOMPARE(dialog.result(), int(QDialog::Rejected)); // still open
        auto keys = ts::net::generateKeyPair();
        QVERIFY(keys);
        dialog.setFields("lab-1", "tcp://lab-1:7150", QString::fromStdString(keys->publicKey));
        dialog.accept();
        QCOMPARE(dialog.errorText(), QString());
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(cell(m_panel->agentsModel(), "lab-1", ClusterPanel::AgentStatus),
                 QString("not connected"));
        // The same name again is refused with the reason.
        QVERIFY(m_panel->addAgent("lab-1", "tcp://x", QString::fromStdString(keys->publicKey))
                        .contains("already there"));
    }

    void submittedPipelineRunsToItsEnd()
    {
        QCOMPARE(m_panel->submitPipeline(m_dir.filePath("missing.json")).isEmpty(), false);
        QCOMPARE(m_panel->submitPipeline(TS_SOURCE_DIR "/resources/pipelines/fashion-tabular.json"),
                 QString());
        QTRY_COMPARE_WITH_TIMEOUT(
                (m_window->refresh(), cell(m_panel->jobsModel(), "1", ClusterPanel::JobState)),
                QString("finished"), 120000);
        QCOMPARE(cell(m_panel->jobsModel(), "1", ClusterPanel::JobAgent), QString("local-1"));
        QCOMPARE(m_window->runsModel()->rowCount(), 1);
        QVERIFY(m_panel->cancelJob(1).contains("already finished"));
    }

    void submitDialogQueuesAJobWithItsStrategy()
    {
        ts::gui::SubmitJobDialog dialog(
                [this](const ts::gui::JobRequest& r) { return m_panel->submitJob(r); });
        dialog.accept();
        QCOMPARE(dialog.errorText(), QString("Choose a pipeline file."));
        dialog.setPath(TS_SOURCE_DIR "/resources/pipelines/fashion-tabular.json");
        dialog.setRanks(2);
        dialog.setStrategy(ts::gui::SubmitJobDialog::ParameterServer,
                           ts::gui::SubmitJobDialog::BoundedStaleness, 3, 2);
        QCOMPARE(dialog.request().strategy,
                 QJsonObject({ { "type", "parameter_server" },
                               { "servers", 2 },
                               { "mode", "ssp" },
                               { "staleness", 3 } }));
        dialog.accept();
        QCOMPARE(dialog.errorText(),
                 QString("A parameter server job of 2 ranks with 2 servers has no worker."));
        QCOMPARE(dialog.result(), int(QDialog::Rejected)); // still open
        dialog.setStrategy(ts::gui::SubmitJobDialog::PipelineStages, {}, 0, 1, 5);
        dialog.accept();
        QVERIFY2(dialog.errorText().endsWith(
                         "stages[2].train.strategy.microBatches: must divide batchSize (64)"),
                 qPrintable(dialog.errorText()));
        dialog.setStrategy(ts::gui::SubmitJobDialog::AllReduce);
        dialog.accept();
        QCOMPARE(dialog.errorText(), QString());
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        // Queued as 2 ranks with the strategy in its pipeline (one local agent: it waits).
        auto store = ts::store::ExperimentStore::openReadOnly(
                m_dir.filePath("store.sqlite").toStdString());
        QVERIFY(store);
        auto jobs = (*store)->jobs();
        QVERIFY(jobs && !jobs->empty());
        const ts::store::JobRecord& job =
                *std::max_element(jobs->begin(), jobs->end(),
                                  [](const auto& a, const auto& b) { return a.id < b.id; });
        QCOMPARE(job.ranks, 2);
        QVERIFY(QString::fromStdString(job.pipelineJson).contains("\"allreduce\""));
        QCOMPARE(m_panel->cancelJob(job.id), QString());
    }

    void secondWindowRunsNoSecondCoordinator()
    {
        MainWindow second(m_dir.filePath("store.sqlite"));
        second.startCoordinator();
        QVERIFY(!second.clusterPanel()->hasCoordinator());
        QVERIFY2(second.clusterPanel()->statusText().contains("Another coordinator serves"),
                 qPrintable(second.clusterPanel()->statusText()));
    }

    void cleanupTestCase() { m_window.reset(); }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<MainWindow> m_window;
    ClusterPanel* m_panel = nullptr;
};

QTEST_MAIN(TestClusterPanel)
#include "tst_cluster_panel.moc"
