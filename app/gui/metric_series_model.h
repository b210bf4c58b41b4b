// MetricSeriesModel: the points of one metric of one run as a two-column table (step, value).
//
// A chart reads it through a QVXYModelMapper (x = StepColumn, y = ValueColumn), the way qtcharts'
// modeldatawidget feeds a QLineSeries. load() re-reads the series from the store; when the stored
// series only grew (a live run), the new points are reported as inserted rows so the mapped series
// appends them instead of rebuilding itself.
//
// THREAD SAFETY: GUI thread only.
#pragma once

#include "common/result.h" // for Result
#include "store/experiment_store.h"

#include <QAbstractTableModel>

#include <memory>

namespace ts::gui {

class MetricSeriesModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { StepColumn, ValueColumn, ColumnCount };
    // The most points a series holds: more than a chart has pixels across. Longer series are
    // downsampled by the store (LTTB).
    static constexpr size_t MaxPoints = 2000;

    // A model for the metric `metricName` ("train_loss", ...) of worker 0.
    explicit MetricSeriesModel(const QString& metricName, QObject* parent = nullptr);
    ~MetricSeriesModel() override;

    QString metricName() const;
    // The run shown, or -1 after clear().
    qint64 run() const;

    // Reads the series of `run` from `store`, downsampled to MaxPoints; on failure the model is
    // left empty. A live run that only appended points (and needs no downsampling yet) grows
    // by inserted rows, so the chart does not redraw from scratch.
    common::Result load(store::ExperimentStore& store, qint64 run);
    void clear();

    // The smallest and largest step and value (0 when the model is empty).
    double stepMin() const;
    double stepMax() const;
    double valueMin() const;
    double valueMax() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ts::gui
