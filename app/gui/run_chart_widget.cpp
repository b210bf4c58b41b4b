#include "run_chart_widget.h"

#include "constants.h"
#include "metric_series_model.h"
#include "tr.h"

#include <QLabel>
#include <QPen>
#include <QStackedLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QVXYModelMapper>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace ts::gui {

struct RunChartWidget::Private
{
    QStackedLayout* stack = nullptr;
    QLabel* emptyLabel = nullptr;
    QChartView* view = nullptr;
    QChart* chart = nullptr;     // owned by view
    QLineSeries* loss = nullptr; // owned by chart
    QLineSeries* accuracy = nullptr;
    QValueAxis* stepAxis = nullptr; // owned by chart
    QValueAxis* lossAxis = nullptr;
    QValueAxis* accuracyAxis = nullptr;
    MetricSeriesModel* lossModel = nullptr; // children of the widget
    MetricSeriesModel* accuracyModel = nullptr;
    qint64 run = -1;
};

namespace {

QValueAxis* addAxis(QChart* chart, const QString& title, Qt::Alignment alignment)
{
    auto axis = new QValueAxis;
    axis->setTitleText(title);
    chart->addAxis(axis, alignment);
    return axis;
}

void mapSeries(MetricSeriesModel* model, QLineSeries* series, QObject* parent)
{
    auto mapper = new QVXYModelMapper(parent);
    mapper->setXColumn(MetricSeriesModel::StepColumn);
    mapper->setYColumn(MetricSeriesModel::ValueColumn);
    mapper->setSeries(series);
    mapper->setModel(model);
}

// Sets `axis` to [min, max] plus 3 % headroom (so the last point's marker is not cut in half by
// the plot's edge), with ticks at round steps (1, 2, 2.5 or 5 times a power of ten, about five of
// them) and as many decimals as the step needs.
void setRoundTicks(QValueAxis* axis, double min, double max)
{
    if (!(max > min))
        max = min + 1.0;
    const double rough = (max - min) / 5.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
    double step = 10.0 * magnitude;
    for (const double factor : { 1.0, 2.0, 2.5, 5.0 }) {
        if (factor * magnitude >= rough) {
            step = factor * magnitude;
            break;
        }
    }
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(std::floor(min / step + 1e-9) * step);
    axis->setTickInterval(step);
    axis->setRange(min, max + 0.03 * (max - min));
    // 2.5 * 10^k needs one decimal more than 10^k.
    const bool quarter = std::abs(step / magnitude - 2.5) < 1e-9 && step < 10.0;
    const int decimals = std::max(0, int(-std::floor(std::log10(step) + 1e-9))) + (quarter ? 1 : 0);
    axis->setLabelFormat(QStringLiteral("%.%1f").arg(decimals));
}

// A line series of width 2 in the chart, named for the legend.
QLineSeries* addSeries(QChart* chart, const QString& name)
{
    auto series = new QLineSeries;
    series->setName(name);
    chart->addSeries(series); // the theme picks its colour here
    QPen pen = series->pen();
    pen.setWidthF(2.0);
    series->setPen(pen);
    return series;
}

// Colours an axis like its series, so the reader knows which scale belongs to which line.
void tintAxis(QValueAxis* axis, const QColor& color)
{
    axis->setLinePenColor(color);
    axis->setLabelsColor(color);
    axis->setTitleBrush(color);
}

} // namespace

RunChartWidget::RunChartWidget(QWidget* parent)
    : QWidget(parent)
    , d(std::make_unique<Private>())
{
    d->lossModel = new MetricSeriesModel(QLatin1String(Constants::MetricTrainLoss), this);
    d->accuracyModel = new MetricSeriesModel(QLatin1String(Constants::MetricTestAccuracy), this);

    d->chart = new QChart;
    d->chart->legend()->setAlignment(Qt::AlignBottom);
    QFont titleFont = d->chart->titleFont();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.3);
    titleFont.setBold(true);
    d->chart->setTitleFont(titleFont);

    createSeriesAndAxes();
    mapSeries(d->lossModel, d->loss, this);
    mapSeries(d->accuracyModel, d->accuracy, this);

    d->view = new QChartView(d->chart, this);
    d->view->setRenderHint(QPainter::Antialiasing);

    d->emptyLabel = new QLabel(Tr::tr("Select a run to see its charts"), this);
    d->emptyLabel->setAlignment(Qt::AlignCenter);
    d->emptyLabel->setWordWrap(true);
    d->emptyLabel->setForegroundRole(QPalette::PlaceholderText);

    d->stack = new QStackedLayout(this);
    d->stack->addWidget(d->emptyLabel);
    d->stack->addWidget(d->view);
    clear();
}

RunChartWidget::~RunChartWidget() = default;

void RunChartWidget::createSeriesAndAxes()
{
    d->loss = addSeries(d->chart, Tr::tr("Training loss"));
    d->accuracy = addSeries(d->chart, Tr::tr("Test accuracy"));
    d->accuracy->setPointsVisible(true);
    d->accuracy->setMarkerSize(Constants::AccuracyMarkerSize);

    d->stepAxis = addAxis(d->chart, Tr::tr("Step"), Qt::AlignBottom);
    d->lossAxis = addAxis(d->chart, Tr::tr("Loss"), Qt::AlignLeft);
    d->accuracyAxis = addAxis(d->chart, Tr::tr("Accuracy"), Qt::AlignRight);
    d->accuracyAxis->setGridLineVisible(false);
    tintAxis(d->lossAxis, d->loss->color());
    tintAxis(d->accuracyAxis, d->accuracy->color());
    d->loss->attachAxis(d->stepAxis);
    d->loss->attachAxis(d->lossAxis);
    d->accuracy->attachAxis(d->stepAxis);
    d->accuracy->attachAxis(d->accuracyAxis);
}

common::Result RunChartWidget::showRun(store::ExperimentStore& store, const store::RunSummary& run)
{
    d->run = run.id;
    d->chart->setTitle(QString::fromStdString(run.name));
    common::Result lossLoaded = d->lossModel->load(store, run.id);
    common::Result accuracyLoaded = d->accuracyModel->load(store, run.id);
    rescaleAxes();
    d->stack->setCurrentWidget(d->view);
    if (!lossLoaded)
        return lossLoaded;
    return accuracyLoaded;
}

void RunChartWidget::clear()
{
    d->run = -1;
    d->lossModel->clear();
    d->accuracyModel->clear();
    d->chart->setTitle({});
    rescaleAxes();
    d->stack->setCurrentWidget(d->emptyLabel);
}

qint64 RunChartWidget::currentRun() const
{
    return d->run;
}

QLineSeries* RunChartWidget::lossSeries() const
{
    return d->loss;
}

QLineSeries* RunChartWidget::accuracySeries() const
{
    return d->accuracy;
}

MetricSeriesModel* RunChartWidget::lossModel() const
{
    return d->lossModel;
}

MetricSeriesModel* RunChartWidget::accuracyModel() const
{
    return d->accuracyModel;
}

QChartView* RunChartWidget::chartView() const
{
    return d->view;
}

void RunChartWidget::rescaleAxes()
{
    const MetricSeriesModel* loss = d->lossModel;
    const MetricSeriesModel* accuracy = d->accuracyModel;

    // Training starts at step 0.
    const double stepMax = std::max(loss->stepMax(), accuracy->stepMax());
    setRoundTicks(d->stepAxis, 0.0, stepMax > 0 ? stepMax : 1.0);

    // Losses are non-negative: starting at 0 shows how far training has brought them down.
    const double lossMax = loss->rowCount() > 0 ? loss->valueMax() : 1.0;
    setRoundTicks(d->lossAxis, std::min(0.0, loss->valueMin()), lossMax > 0 ? lossMax : 1.0);

    // Accuracy stays within 0..1; zoom in to the tenths around the values reached.
    double accuracyMin = 0.0;
    double accuracyMax = 1.0;
    if (accuracy->rowCount() > 0) {
        accuracyMin = std::max(0.0, std::floor((accuracy->valueMin() - 0.05) * 10.0) / 10.0);
        accuracyMax = std::min(1.0, std::ceil((accuracy->valueMax() + 0.02) * 10.0) / 10.0);
    }
    // Round ticks: every 0.05 on a narrow range, 0.1 on a medium one, 0.2 on a wide one.
    const double span = accuracyMax - accuracyMin;
    const double ticksPerUnit = span <= 0.2 + 1e-9 ? 20.0 : span <= 0.5 + 1e-9 ? 10.0 : 5.0;
    accuracyMin = std::floor(accuracyMin * ticksPerUnit + 1e-9) / ticksPerUnit;
    accuracyMax = std::min(1.0, std::ceil(accuracyMax * ticksPerUnit - 1e-9) / ticksPerUnit);
    d->accuracyAxis->setRange(accuracyMin, accuracyMax);
    d->accuracyAxis->setTickCount(int(std::lround((accuracyMax - accuracyMin) * ticksPerUnit)) + 1);
    d->accuracyAxis->setLabelFormat(ticksPerUnit > 10.0 ? QStringLiteral("%.2f")
                                                        : QStringLiteral("%.1f"));
}

} // namespace ts::gui
