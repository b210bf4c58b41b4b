#include "staleness_chart.h"

#include "tr.h"

#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace ts::gui {

StalenessChart::StalenessChart(QWidget* parent)
    : QChartView(parent)
{
    setObjectName(QStringLiteral("stalenessChart"));
    auto chart = new QChart;
    chart->setTitle(Tr::tr("Staleness of applied updates"));
    chart->legend()->setAlignment(Qt::AlignRight);
    m_series = new QBarSeries;
    chart->addSeries(m_series);
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
}

void StalenessChart::setHistogram(const std::map<int, std::vector<int64_t>>& counts)
{
    QChart* chart = this->chart();
    for (QAbstractAxis* axis : chart->axes())
        chart->removeAxis(axis);
    m_series->clear();
    size_t width = 1; // staleness 0 .. width - 1
    int64_t highest = 1;
    for (const auto& [worker, byStaleness] : counts) {
        width = std::max(width, byStaleness.size());
        for (int64_t n : byStaleness)
            highest = std::max(highest, n);
    }
    for (const auto& [worker, byStaleness] : counts) {
        auto set = new QBarSet(Tr::tr("Worker %1").arg(worker));
        for (size_t s = 0; s < width; ++s)
            *set << double(s < byStaleness.size() ? byStaleness[s] : 0);
        m_series->append(set);
    }
    auto steps = new QBarCategoryAxis;
    for (size_t s = 0; s < width; ++s)
        steps->append(QString::number(s));
    steps->setTitleText(Tr::tr("Steps stale"));
    // Whole numbers of updates: ticks every 1, 2 or 5 times a power of ten, at most about 5.
    double step = 1;
    while (double(highest) / step > 5)
        step *= (QString::number(step).startsWith('2') ? 2.5 : 2);
    auto updates = new QValueAxis;
    updates->setRange(0, std::ceil(double(highest) / step) * step);
    updates->setTickType(QValueAxis::TicksDynamic);
    updates->setTickAnchor(0);
    updates->setTickInterval(step);
    updates->setLabelFormat(QStringLiteral("%d"));
    updates->setTitleText(Tr::tr("Updates"));
    chart->addAxis(steps, Qt::AlignBottom);
    chart->addAxis(updates, Qt::AlignLeft);
    m_series->attachAxis(steps);
    m_series->attachAxis(updates);
}

} // namespace ts::gui
