#include "runs_model.h"

#include "constants.h"
#include "tr.h"

#include <QDateTime>
#include <QLocale>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace ts::gui {

using store::RunStatus;
using store::RunSummary;

struct RunsModel::Private
{
    std::vector<RunSummary> runs;
};

namespace {

bool sameRunIds(const std::vector<RunSummary>& a, const std::vector<RunSummary>& b)
{
    return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                      [](const RunSummary& x, const RunSummary& y) { return x.id == y.id; });
}

// The accuracy the run reached at its last evaluation, or a negative value when it has none yet.
double finalAccuracy(const RunSummary& run)
{
    const auto it = run.finalMetrics.find(Constants::MetricTestAccuracy);
    return it == run.finalMetrics.end() ? -1.0 : it->second;
}

// Seconds the run has taken so far (still running) or took (ended).
double runSeconds(const RunSummary& run)
{
    const double end =
            run.finishedAt > 0 ? run.finishedAt : QDateTime::currentMSecsSinceEpoch() / 1000.0;
    return std::max(0.0, end - run.createdAt);
}

QDateTime localTime(double unixSeconds)
{
    return QDateTime::fromMSecsSinceEpoch(qint64(std::llround(unixSeconds * 1000.0))).toLocalTime();
}

} // namespace

RunsModel::RunsModel(QObject* parent)
    : QAbstractTableModel(parent)
    , d(std::make_unique<Private>())
{}

RunsModel::~RunsModel() = default;

common::Result RunsModel::refresh(store::ExperimentStore& store)
{
    auto runs = store.listRuns();
    if (!runs)
        return std::move(runs).error();
    const int countBefore = int(d->runs.size());
    if (sameRunIds(d->runs, *runs)) {
        d->runs = std::move(*runs);
        if (!d->runs.empty())
            emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return {};
    }
    beginResetModel();
    d->runs = std::move(*runs);
    endResetModel();
    if (rowCount() != countBefore)
        emit runCountChanged(rowCount());
    return {};
}

void RunsModel::clear()
{
    if (d->runs.empty())
        return;
    beginResetModel();
    d->runs.clear();
    endResetModel();
    emit runCountChanged(0);
}

const RunSummary* RunsModel::runAt(int row) const
{
    return row >= 0 && row < rowCount() ? &d->runs[size_t(row)] : nullptr;
}

int RunsModel::rowOfRun(qint64 id) const
{
    const auto it = std::find_if(d->runs.begin(), d->runs.end(),
                                 [id](const RunSummary& run) { return run.id == id; });
    return it == d->runs.end() ? -1 : int(it - d->runs.begin());
}

QString RunsModel::statusText(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return Tr::tr("Running");
    case RunStatus::Finished:
        return Tr::tr("Finished");
    case RunStatus::Failed:
        return Tr::tr("Failed");
    case RunStatus::Cancelled:
        return Tr::tr("Cancelled");
    }
    return {};
}

QString RunsModel::durationText(double seconds)
{
    const qint64 total = qint64(std::llround(seconds));
    const qint64 hours = total / 3600;
    const qint64 minutes = total / 60 % 60;
    const QString twoDigits = QStringLiteral("%1");
    if (hours > 0)
        return Tr::tr("%1 h %2 min")
                .arg(hours)
                .arg(twoDigits.arg(minutes, 2, 10, QLatin1Char('0')));
    if (minutes > 0)
        return Tr::tr("%1 min %2 s")
                .arg(minutes)
                .arg(twoDigits.arg(total % 60, 2, 10, QLatin1Char('0')));
    return Tr::tr("%1 s").arg(total);
}

int RunsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(d->runs.size());
}

int RunsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RunsModel::data(const QModelIndex& index, int role) const
{
    const RunSummary* run = runAt(index.row());
    if (!run || index.column() < 0 || index.column() >= ColumnCount)
        return {};
    switch (role) {
    case Qt::DisplayRole:
        return displayData(*run, index.column());
    case SortRole:
        return sortData(*run, index.column());
    case RunIdRole:
        return qint64(run->id);
    case Qt::ToolTipRole:
        if (index.column() == StatusColumn && !run->error.empty())
            return QString::fromStdString(run->error);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() == IdColumn || index.column() == AccuracyColumn
            || index.column() == DurationColumn)
            return int(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    default:
        return {};
    }
}

QVariant RunsModel::displayData(const RunSummary& run, int column) const
{
    switch (column) {
    case IdColumn:
        return qint64(run.id);
    case ExperimentColumn:
        return QString::fromStdString(run.experiment);
    case NameColumn:
        return QString::fromStdString(run.name);
    case StatusColumn:
        return statusText(run.status);
    case AccuracyColumn: {
        const double accuracy = finalAccuracy(run);
        if (accuracy < 0)
            return QStringLiteral("—");
        return Tr::tr("%1 %").arg(QLocale().toString(accuracy * 100.0, 'f', 1));
    }
    case ComputeColumn:
        return QString::fromStdString(run.backend);
    case StartedColumn:
        return QLocale().toString(localTime(run.createdAt), QLocale::ShortFormat);
    case DurationColumn:
        return durationText(runSeconds(run));
    default:
        return {};
    }
}

QVariant RunsModel::sortData(const RunSummary& run, int column) const
{
    switch (column) {
    case IdColumn:
        return qint64(run.id);
    case StatusColumn:
        return int(run.status);
    case AccuracyColumn:
        return finalAccuracy(run);
    case StartedColumn:
        return run.createdAt;
    case DurationColumn:
        return runSeconds(run);
    default:
        return displayData(run, column);
    }
}

QVariant RunsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case IdColumn:
        return Tr::tr("ID");
    case ExperimentColumn:
        return Tr::tr("Experiment");
    case NameColumn:
        return Tr::tr("Run");
    case StatusColumn:
        return Tr::tr("Status");
    case AccuracyColumn:
        return Tr::tr("Test accuracy");
    case ComputeColumn:
        return Tr::tr("Compute");
    case StartedColumn:
        return Tr::tr("Started");
    case DurationColumn:
        return Tr::tr("Duration");
    default:
        return {};
    }
}

} // namespace ts::gui
