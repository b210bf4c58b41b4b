#include "workers_view.h"

#include "staleness_chart.h"
#include "tr.h"

#include "store/experiment_store.h"

#include <QHeaderView>
#include <QLabel>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>

#include <map>
#include <set>

namespace ts::gui {

namespace {

QString milliseconds(double ms)
{
    return QString::number(ms, 'f', ms < 10 ? 2 : 1);
}

// "0: 290, 1: 3": the updates of each staleness, the empty ones left out.
QString histogramText(const std::vector<int64_t>& counts)
{
    QStringList parts;
    for (size_t s = 0; s < counts.size(); ++s)
        if (counts[s] > 0)
            parts << QStringLiteral("%1: %2").arg(s).arg(counts[s]);
    return parts.join(QStringLiteral(", "));
}

} // namespace

WorkersView::WorkersView(QWidget* parent)
    : QWidget(parent)
{
    m_title = new QLabel(Tr::tr("Workers of the run"));
    m_model = new QStandardItemModel(0, Events + 1, this);
    m_model->setHorizontalHeaderLabels({ Tr::tr("Worker"), Tr::tr("Step p50 (ms)"), Tr::tr("p90"),
                                         Tr::tr("p99"), Tr::tr("Data (ms)"), Tr::tr("Compute (ms)"),
                                         Tr::tr("Waiting (ms)"), Tr::tr("Staleness"),
                                         Tr::tr("Events") });
    m_view = new QTableView;
    m_view->setObjectName(QStringLiteral("workersView"));
    m_view->setModel(m_model);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_staleness = new StalenessChart;
    m_staleness->hide();
    auto layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_title);
    layout->addWidget(m_view);
    layout->addWidget(m_staleness);
    hide();
}

void WorkersView::clear()
{
    m_model->removeRows(0, m_model->rowCount());
    m_staleness->hide();
    hide();
}

common::Result WorkersView::showRun(store::ExperimentStore& store, qint64 run)
{
    auto times = store.stepTimes(run);
    TS_TRY(times);
    auto staleness = store.stalenessHistogram(run);
    TS_TRY(staleness);
    auto events = store.events(run);
    TS_TRY(events);
    std::set<int> workers;
    for (const store::WorkerStepTimes& t : *times)
        workers.insert(t.worker);
    for (const auto& [worker, counts] : staleness->counts)
        workers.insert(worker);
    std::map<int, QStringList> eventsOf;
    for (const store::RunEvent& e : *events)
        if (e.worker >= 0 && (e.kind == "straggler" || e.kind == "worker_lost")) {
            workers.insert(e.worker);
            eventsOf[e.worker] << QString::fromStdString(e.kind);
        }
    m_model->removeRows(0, m_model->rowCount());
    if (workers.size() < 2 && staleness->counts.empty()) {
        m_staleness->hide();
        hide();
        return {};
    }
    for (int worker : workers) {
        QList<QStandardItem*> row;
        for (int c = 0; c <= Events; ++c)
            row << new QStandardItem;
        row[Worker]->setText(QString::number(worker));
        for (const store::WorkerStepTimes& t : *times) {
            if (t.worker != worker)
                continue;
            row[StepP50]->setText(milliseconds(t.p50));
            row[StepP90]->setText(milliseconds(t.p90));
            row[StepP99]->setText(milliseconds(t.p99));
            row[Data]->setText(milliseconds(t.dataP50));
            row[Compute]->setText(milliseconds(t.computeP50));
            row[Waiting]->setText(milliseconds(t.commP50));
        }
        if (auto found = staleness->counts.find(worker); found != staleness->counts.end())
            row[Staleness]->setText(histogramText(found->second));
        row[Events]->setText(eventsOf[worker].join(QStringLiteral(", ")));
        m_model->appendRow(row);
    }
    m_staleness->setVisible(!staleness->counts.empty());
    if (!staleness->counts.empty())
        m_staleness->setHistogram(staleness->counts);
    show();
    return {};
}

} // namespace ts::gui
