// ClusterPanel: the studio's "Agents and jobs" tab. The studio embeds a coordinator
// (cluster/local_cluster.h) serving its store's job queue, with local agents when the store lists
// none, so a pipeline submitted here runs at once on this machine; lab machines join with
// "Add agent…" (name, address, public key).
//
//     +-- Agents --------------------------------------- [Add agent…] --+
//     | Name | Address | Status | Host | CPUs | GPUs                    |
//     +-- Jobs ----------------------- [Submit pipeline…] [Cancel job] --+   (ranks, strategy:
//                                                                          submit_job_dialog.h)
//     | ID | State | Priority | Run | Agent | Attempt | Name | Message   |
//     | coordinator on tcp://127.0.0.1:40123, 1 local agent               |
//
// When another process already serves the store (trainstudio-cli coordinator, another studio),
// the panel shows the queue and submits to it without a coordinator of its own.
//
// THREAD SAFETY: GUI thread only.
#pragma once

#include "cluster/local_cluster.h"
#include "common/result.h"
#include "store/experiment_store.h"
#include "submit_job_dialog.h"

#include <QWidget>

#include <memory>

QT_BEGIN_NAMESPACE
class QLabel;
class QStandardItemModel;
class QTableView;
QT_END_NAMESPACE

namespace ts::gui {

class ClusterPanel final : public QWidget
{
    Q_OBJECT

public:
    enum AgentColumn { AgentName, AgentAddress, AgentStatus, AgentHost, AgentCpus, AgentGpus };
    enum JobColumn {
        JobId,
        JobState,
        JobPriority,
        JobRun,
        JobAgent,
        JobAttempt,
        JobName,
        JobMessage
    };

    explicit ClusterPanel(QWidget* parent = nullptr);
    ~ClusterPanel() override;

    // Serves `store` (its path: the coordinator opens its own connection) from now on.
    void setStore(store::ExperimentStore* store, const QString& storePath);
    // Starts the embedded coordinator; the reason shows in the panel when it cannot start.
    void startCoordinator(int localAgents = -1);
    bool hasCoordinator() const;
    QString statusText() const;

    // What the buttons do, for the dialogs and the tests. Each returns the error text shown to
    // the user, or an empty string.
    QString addAgent(const QString& name, const QString& address, const QString& key);
    QString submitPipeline(const QString& path, int priority = 0);
    // A pipeline as a job of request.ranks ranks, with request.strategy (when not empty) as its
    // train stage's strategy (submit_job_dialog.h). The pipeline is checked as the ranks will
    // read it: the error names the field.
    QString submitJob(const JobRequest& request);
    QString cancelJob(qint64 id);

    QStandardItemModel* agentsModel() const;
    QStandardItemModel* jobsModel() const;

    // Re-reads agents and jobs (the window's refresh timer calls it).
    void refresh();

private:
    void showAddAgentDialog();
    void showSubmitDialog();
    void cancelSelectedJob();
    void setStatus(const QString& text);

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ts::gui
