#include "metric_series_model.h"

#include "tr.h"

#include <QPointF>

#include <algorithm>
#include <utility>
#include <vector>

namespace ts::gui {

struct MetricSeriesModel::Private
{
    QString metricName;
    qint64 run = -1;
    std::vector<QPointF> points; // x = step, y = value, by step
};

namespace {

std::vector<QPointF> toPoints(const std::vector<store::MetricPoint>& series)
{
    std::vector<QPointF> points;
    points.reserve(series.size());
    for (const store::MetricPoint& point : series)
        points.emplace_back(double(point.step), point.value);
    return points;
}

// True when `longer` starts with every point of `shorter`: a live run only appended points.
bool extends(const std::vector<QPointF>& longer, const std::vector<QPointF>& shorter)
{
    return longer.size() >= shorter.size()
            && std::equal(shorter.begin(), shorter.end(), longer.begin());
}

} // namespace

MetricSeriesModel::MetricSeriesModel(const QString& metricName, QObject* parent)
    : QAbstractTableModel(parent)
    , d(std::make_unique<Private>())
{
    d->metricName = metricName;
}

MetricSeriesModel::~MetricSeriesModel() = default;

QString MetricSeriesModel::metricName() const
{
    return d->metricName;
}

qint64 MetricSeriesModel::run() const
{
    return d->run;
}

common::Result MetricSeriesModel::load(store::ExperimentStore& store, qint64 run)
{
    // A chart is a few hundred pixels wide: the store sends at most MaxPoints per series, picked
    // by LTTB so the curve keeps its shape and its spikes (store/lttb.h).
    store::SeriesRequest request;
    request.run = run;
    request.name = d->metricName.toStdString();
    request.workers = { 0 };
    request.maxPoints = MaxPoints;
    auto series = store.series(request);
    if (!series) {
        clear();
        return std::move(series).error().wrap(d->metricName.toStdString());
    }
    std::vector<QPointF> points =
            series->empty() ? std::vector<QPointF>() : toPoints(series->front().points);
    if (run == d->run && extends(points, d->points)) {
        const int first = rowCount();
        const int last = int(points.size()) - 1;
        if (last >= first) {
            beginInsertRows({}, first, last);
            d->points = std::move(points);
            endInsertRows();
        }
        return {};
    }
    beginResetModel();
    d->run = run;
    d->points = std::move(points);
    endResetModel();
    return {};
}

void MetricSeriesModel::clear()
{
    beginResetModel();
    d->run = -1;
    d->points.clear();
    endResetModel();
}

double MetricSeriesModel::stepMin() const
{
    return d->points.empty() ? 0.0 : d->points.front().x();
}

double MetricSeriesModel::stepMax() const
{
    return d->points.empty() ? 0.0 : d->points.back().x();
}

double MetricSeriesModel::valueMin() const
{
    const auto it = std::min_element(d->points.begin(), d->points.end(),
                                     [](QPointF a, QPointF b) { return a.y() < b.y(); });
    return it == d->points.end() ? 0.0 : it->y();
}

double MetricSeriesModel::valueMax() const
{
    const auto it = std::max_element(d->points.begin(), d->points.end(),
                                     [](QPointF a, QPointF b) { return a.y() < b.y(); });
    return it == d->points.end() ? 0.0 : it->y();
}

int MetricSeriesModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(d->points.size());
}

int MetricSeriesModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MetricSeriesModel::data(const QModelIndex& index, int role) const
{
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    if (index.row() < 0 || index.row() >= rowCount())
        return {};
    const QPointF& point = d->points[size_t(index.row())];
    switch (index.column()) {
    case StepColumn:
        return point.x();
    case ValueColumn:
        return point.y();
    default:
        return {};
    }
}

QVariant MetricSeriesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == StepColumn)
        return Tr::tr("Step");
    if (section == ValueColumn)
        return Tr::tr("Value");
    return {};
}

} // namespace ts::gui
