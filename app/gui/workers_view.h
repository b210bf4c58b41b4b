// WorkersView: the workers of the selected run, for runs of several ranks -- each worker's step
// time (median, 90th and 99th percentile of its log windows, and the medians of its data,
// compute and waiting parts: ExperimentStore::stepTimes), the staleness of the updates a
// parameter server applied for it (its histogram: how many updates were 0, 1, 2 ... steps
// stale) and the run's events for it (straggler, worker lost), so a slow or lost worker shows.
// Below the table, a parameter-server run's staleness histograms as a bar chart
// (staleness_chart.h).
//
//     Worker | Step p50 | p90 | p99 ms | Data | Compute | Waiting | Staleness    | Events
//     0      | 1.5      | 1.9 | 2.4    | 0.04 | 0.85    | 0.66    | 0: 290, 1: 3 |
//     1      | 3.4      | 3.6 | 4.0    | 0.04 | 2.90    | 0.10    | 0: 300       | straggler
//
// Hidden for a run of one process with no staleness (nothing to compare).
//
// THREAD SAFETY: GUI thread only.
#pragma once

#include "common/result.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QLabel;
class QStandardItemModel;
class QTableView;
QT_END_NAMESPACE

namespace ts::store {
class ExperimentStore;
}

namespace ts::gui {

class StalenessChart;

class WorkersView final : public QWidget
{
    Q_OBJECT

public:
    enum Column { Worker, StepP50, StepP90, StepP99, Data, Compute, Waiting, Staleness, Events };

    explicit WorkersView(QWidget* parent = nullptr);

    // Reads the workers of `run`; hides the view when it has fewer than two and no staleness.
    common::Result showRun(store::ExperimentStore& store, qint64 run);
    void clear();
    QStandardItemModel* model() const { return m_model; }
    StalenessChart* stalenessChart() const { return m_staleness; }

private:
    QStandardItemModel* m_model = nullptr;
    QTableView* m_view = nullptr;
    QLabel* m_title = nullptr;
    StalenessChart* m_staleness = nullptr;
};

} // namespace ts::gui
