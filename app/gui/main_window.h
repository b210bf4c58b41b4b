// MainWindow: the studio's window, the runs of one experiment store and the charts of one run.
//
//     +-------------------------------------------------------------+
//     | [error text, only when the store cannot be read]            |
//     | [Runs] [Agents and jobs]                                    |   tabs
//     | 3 runs in this store                                        |
//     | ID | Experiment | Run | Status | Test accuracy | ...         |   RunsModel, sortable
//     |   (or the agents and the job queue: ClusterPanel)            |
//     |-------------------------- splitter -------------------------|
//     |           loss / accuracy chart of the selected run          |   RunChartWidget
//     |  its workers: step times, staleness, events (several ranks)  |   WorkersView
//     +-------------------------------------------------------------+
//     | status messages                 Compute: CPU (OpenBLAS ...)  |
//
// The window opens the store once, then re-reads it every Constants::RefreshIntervalMs so runs
// that are training right now grow in the table and in the chart; the selected run stays
// selected across refreshes. Failures never raise a dialog (the window also runs offscreen in
// tests): they are shown as text naming the store and the reason.
//
// THREAD SAFETY: GUI thread only. The store is read on the GUI thread: SQLite in WAL mode lets it
// read while a training process writes, and a read of one run's metrics takes milliseconds.
#pragma once

#include "common/result.h" // for Error

#include <QMainWindow>

#include <memory>

QT_BEGIN_NAMESPACE
class QTableView;
QT_END_NAMESPACE

namespace ts::gui {

class ClusterPanel;
class RunChartWidget;
class WorkersView;
class RunsModel;

class MainWindow final : public QMainWindow
{
    Q_OBJECT

public:
    // Opens the store at `storePath` (created when missing) and shows its runs.
    explicit MainWindow(const QString& storePath, QWidget* parent = nullptr);
    ~MainWindow() override;

    QString storePath() const;
    bool isStoreOpen() const;
    // The error shown in the window (store not openable or not readable), or an empty string.
    QString errorText() const;
    // The compute line of the status bar, "Compute: <backend>[ — <why not CUDA>]".
    QString computeText() const;

    RunsModel* runsModel() const;
    RunChartWidget* chartWidget() const;
    WorkersView* workersView() const;
    QTableView* runsView() const;
    ClusterPanel* clusterPanel() const;

    // Starts the coordinator the studio embeds for its store's jobs (ClusterPanel), with local
    // agents when the store lists none (`localAgents` -1) or the number given.
    void startCoordinator(int localAgents = -1);

    // Selects run `id` in the table and shows its charts; false when the store has no such run.
    bool selectRun(qint64 id);
    // The id of the selected run, or -1.
    qint64 selectedRun() const;

    // Re-reads the runs and the selected run's metrics from the store (the timer calls it).
    void refresh();

signals:
    // Emitted after each refresh from the store, successful or not.
    void refreshed();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    QWidget* createRunsPanel();
    void setUpWidgets();
    void openStore();
    void showComputeBackend();
    void showError(const QString& text);
    QString storeErrorText(const common::Error& error) const;
    void updateComputeLabel();
    void updateRunCount(int count);
    void showRunChart(qint64 id);

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ts::gui
