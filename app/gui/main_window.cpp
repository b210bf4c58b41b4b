#include "main_window.h"

#include "cluster_panel.h"
#include "constants.h"
#include "run_chart_widget.h"
#include "runs_model.h"
#include "tr.h"
#include "workers_view.h"

#include "store/experiment_store.h"
#include "tensor/backend_registry.h"

#include <QDir>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace ts::gui {

struct MainWindow::Private
{
    QString storePath;
    std::unique_ptr<store::ExperimentStore> store;
    RunsModel* runsModel = nullptr; // children of the window
    QSortFilterProxyModel* sortModel = nullptr;
    QTableView* runsView = nullptr;
    QLabel* runCountLabel = nullptr;
    QLabel* errorLabel = nullptr;
    QLabel* computeLabel = nullptr;
    RunChartWidget* chart = nullptr;
    WorkersView* workers = nullptr; // below the chart, for runs of several ranks
    ClusterPanel* cluster = nullptr;
    QTimer* refreshTimer = nullptr;
    QString computeText;             // unelided text of computeLabel
    bool restoringSelection = false; // a refresh re-selects the run: do not reload twice
};

MainWindow::MainWindow(const QString& storePath, QWidget* parent)
    : QMainWindow(parent)
    , d(std::make_unique<Private>())
{
    d->storePath = storePath;
    setWindowTitle(Tr::tr("TrainStudio — %1").arg(QDir::toNativeSeparators(storePath)));
    resize(Constants::WindowWidth, Constants::WindowHeight);
    setUpWidgets();
    showComputeBackend();
    openStore();
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::createRunsPanel()
{
    d->runsModel = new RunsModel(this);
    d->sortModel = new QSortFilterProxyModel(this);
    d->sortModel->setSourceModel(d->runsModel);
    d->sortModel->setSortRole(RunsModel::SortRole);

    d->runsView = new QTableView;
    d->runsView->setModel(d->sortModel);
    d->runsView->setSelectionBehavior(QAbstractItemView::SelectRows);
    d->runsView->setSelectionMode(QAbstractItemView::SingleSelection);
    d->runsView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    d->runsView->setAlternatingRowColors(true);
    d->runsView->setSortingEnabled(true);
    d->runsView->sortByColumn(RunsModel::IdColumn, Qt::DescendingOrder);
    d->runsView->verticalHeader()->hide();
    d->runsView->horizontalHeader()->setHighlightSections(false);

    d->runCountLabel = new QLabel;
    auto panel = new QWidget;
    auto layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(d->runCountLabel);
    layout->addWidget(d->runsView);
    return panel;
}

void MainWindow::setUpWidgets()
{
    d->errorLabel = new QLabel;
    d->errorLabel->setObjectName(QStringLiteral("errorLabel"));
    d->errorLabel->setWordWrap(true);
    d->errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    d->errorLabel->setStyleSheet(QStringLiteral("QLabel { background: #fdecea; color: #8a1c12; "
                                                "border: 1px solid #f5c2bd; padding: 8px; }"));
    d->errorLabel->hide();

    d->chart = new RunChartWidget;
    d->cluster = new ClusterPanel;
    auto tabs = new QTabWidget;
    tabs->addTab(createRunsPanel(), Tr::tr("Runs"));
    tabs->addTab(d->cluster, Tr::tr("Agents and jobs"));
    auto splitter = new QSplitter(Qt::Vertical);
    d->workers = new WorkersView;
    auto runPane = new QSplitter(Qt::Vertical);
    runPane->addWidget(d->chart);
    runPane->addWidget(d->workers);
    runPane->setStretchFactor(0, 3);
    runPane->setChildrenCollapsible(false);
    splitter->addWidget(tabs);
    splitter->addWidget(runPane);
    // The chart gets most of the height; the table still shows a handful of runs.
    splitter->setSizes({ Constants::WindowHeight / 3, Constants::WindowHeight * 2 / 3 });
    splitter->setStretchFactor(1, 1);
    splitter->setChildrenCollapsible(false);

    auto central = new QWidget;
    auto layout = new QVBoxLayout(central);
    layout->addWidget(d->errorLabel);
    layout->addWidget(splitter, 1);
    setCentralWidget(central);

    d->computeLabel = new QLabel;
    d->computeLabel->setObjectName(QStringLiteral("computeLabel"));
    statusBar()->addPermanentWidget(d->computeLabel);

    d->refreshTimer = new QTimer(this);
    d->refreshTimer->setInterval(Constants::RefreshIntervalMs);
    connect(d->refreshTimer, &QTimer::timeout, this, &MainWindow::refresh);
    connect(d->runsView->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        if (!d->restoringSelection)
            showRunChart(selectedRun());
    });
    connect(d->runsModel, &RunsModel::runCountChanged, this, &MainWindow::updateRunCount);
    updateRunCount(0);
}

void MainWindow::openStore()
{
    auto store = store::ExperimentStore::open(d->storePath.toStdString());
    if (!store) {
        showError(Tr::tr("Cannot open the experiment store \"%1\": %2. Check the path, or pass "
                         "another store with --store.")
                          .arg(QDir::toNativeSeparators(d->storePath),
                               storeErrorText(store.error())));
        d->runsView->setEnabled(false);
        return;
    }
    d->store = std::move(*store);
    d->cluster->setStore(d->store.get(), d->storePath);
    refresh();
    d->refreshTimer->start();
}

void MainWindow::showComputeBackend()
{
    auto selection =
            tensor::selectBackend(tensor::DeviceRequest::Auto, tensor::defaultCpuThreads());
    if (!selection) {
        const QString reason = QString::fromStdString(selection.error().message());
        d->computeText = Tr::tr("Compute: unavailable (%1)").arg(reason);
        d->computeLabel->setToolTip(reason);
    } else {
        d->computeText =
                Tr::tr("Compute: %1").arg(QString::fromStdString(selection->backend->name()));
        if (!selection->note.empty()) {
            const QString note = QString::fromStdString(selection->note);
            d->computeText += QStringLiteral(" — ") + note;
            d->computeLabel->setToolTip(note);
        }
    }
    updateComputeLabel();
}

void MainWindow::showError(const QString& text)
{
    // A banner rather than the status bar: the compute line there leaves too little room.
    d->errorLabel->setText(text);
    d->errorLabel->setVisible(!text.isEmpty());
}

QString MainWindow::storeErrorText(const common::Error& error) const
{
    // Store errors start with the store's path, which our own message already names.
    QString reason = QString::fromStdString(error.message());
    const QString prefix = d->storePath + QStringLiteral(": ");
    if (reason.startsWith(prefix))
        reason.remove(0, prefix.size());
    return reason;
}

void MainWindow::updateComputeLabel()
{
    // The note about CUDA can be long: elide it in the bar, the tooltip has all of it.
    const int widthMax = std::max(240, width() * 3 / 5);
    d->computeLabel->setText(
            d->computeLabel->fontMetrics().elidedText(d->computeText, Qt::ElideRight, widthMax));
}

void MainWindow::updateRunCount(int count)
{
    d->runCountLabel->setText(Tr::tr("%n run(s) in this store", nullptr, count));
    // New runs may bring longer names; without runs the headers still need their full width.
    d->runsView->resizeColumnsToContents();
}

void MainWindow::resizeEvent(QResizeEvent* event)
{
    QMainWindow::resizeEvent(event);
    updateComputeLabel();
}

QString MainWindow::storePath() const
{
    return d->storePath;
}

bool MainWindow::isStoreOpen() const
{
    return d->store != nullptr;
}

QString MainWindow::errorText() const
{
    return d->errorLabel->isHidden() ? QString() : d->errorLabel->text();
}

QString MainWindow::computeText() const
{
    return d->computeText;
}

RunsModel* MainWindow::runsModel() const
{
    return d->runsModel;
}

WorkersView* MainWindow::workersView() const
{
    return d->workers;
}

RunChartWidget* MainWindow::chartWidget() const
{
    return d->chart;
}

QTableView* MainWindow::runsView() const
{
    return d->runsView;
}

ClusterPanel* MainWindow::clusterPanel() const
{
    return d->cluster;
}

void MainWindow::startCoordinator(int localAgents)
{
    d->cluster->startCoordinator(localAgents);
    d->cluster->refresh();
}

bool MainWindow::selectRun(qint64 id)
{
    const int row = d->runsModel->rowOfRun(id);
    if (row < 0)
        return false;
    const QModelIndex index = d->sortModel->mapFromSource(d->runsModel->index(row, 0));
    d->runsView->selectionModel()->setCurrentIndex(
            index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    d->runsView->scrollTo(index);
    return true;
}

qint64 MainWindow::selectedRun() const
{
    const QModelIndexList rows = d->runsView->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return -1;
    return d->sortModel->data(rows.first(), RunsModel::RunIdRole).toLongLong();
}

void MainWindow::refresh()
{
    if (!d->store)
        return;
    const qint64 selected = selectedRun();
    if (common::Result read = d->runsModel->refresh(*d->store); !read) {
        showError(
                Tr::tr("Cannot read the runs from \"%1\": %2")
                        .arg(QDir::toNativeSeparators(d->storePath), storeErrorText(read.error())));
        emit refreshed();
        return;
    }
    showError({});
    d->cluster->refresh();
    // A reset of the model clears the selection: select the same run again.
    d->restoringSelection = true;
    if (selected >= 0 && selectedRun() != selected)
        selectRun(selected);
    d->restoringSelection = false;
    showRunChart(selectedRun());
    emit refreshed();
}

void MainWindow::showRunChart(qint64 id)
{
    const store::RunSummary* run = d->runsModel->runAt(d->runsModel->rowOfRun(id));
    if (!d->store || !run) {
        d->chart->clear();
        d->workers->clear();
        return;
    }
    if (common::Result shown = d->workers->showRun(*d->store, id); !shown)
        showError(Tr::tr("Cannot read the workers of run %1: %2")
                          .arg(id)
                          .arg(storeErrorText(shown.error())));
    if (common::Result shown = d->chart->showRun(*d->store, *run); !shown)
        showError(Tr::tr("Cannot read the metrics of run %1: %2")
                          .arg(id)
                          .arg(storeErrorText(shown.error())));
}

} // namespace ts::gui
