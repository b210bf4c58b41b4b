// RunChartWidget: the charts of one run, training loss and test accuracy over optimizer steps.
//
// Two MetricSeriesModel instances hold the data; two QVXYModelMapper objects feed the series from
// them, so the chart only ever shows what the models hold:
//
//     ExperimentStore --metricSeries()--> MetricSeriesModel --QVXYModelMapper--> QLineSeries
//
// The loss is drawn on the left axis; the accuracy (one point per epoch, so drawn with point
// markers: a single epoch is a single point) on the right axis. Every showRun() re-reads both
// series and rescales the axes to the data. Without a run the widget shows a hint instead.
//
// THREAD SAFETY: GUI thread only.
#pragma once

#include "common/result.h" // for Result
#include "store/experiment_store.h"

#include <QWidget>

#include <memory>

QT_BEGIN_NAMESPACE
class QChartView;
class QLineSeries;
QT_END_NAMESPACE

namespace ts::gui {

class MetricSeriesModel;

class RunChartWidget final : public QWidget
{
    Q_OBJECT

public:
    explicit RunChartWidget(QWidget* parent = nullptr);
    ~RunChartWidget() override;

    // Shows (or updates, for a live run) the charts of `run`; returns the first read error.
    common::Result showRun(store::ExperimentStore& store, const store::RunSummary& run);
    // Shows the empty state: no run selected.
    void clear();

    // The run shown, or -1.
    qint64 currentRun() const;

    QLineSeries* lossSeries() const;
    QLineSeries* accuracySeries() const;
    MetricSeriesModel* lossModel() const;
    MetricSeriesModel* accuracyModel() const;
    QChartView* chartView() const;

private:
    void createSeriesAndAxes();
    void rescaleAxes();

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ts::gui
