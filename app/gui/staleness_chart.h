// StalenessChart: the staleness histogram of a parameter-server run as bars -- for each staleness
// s (steps between the weights an update was computed on and the step it was applied for), how
// many of each worker's updates had it, one bar set per worker. Sync training shows one bar at
// 0; SSP with bound s never shows a bar right of s; async shows how far the tail reaches.
//
// THREAD SAFETY: GUI thread only.
#pragma once

#include <QtCharts/QChartView>

#include <cstdint>
#include <map>
#include <vector>

QT_BEGIN_NAMESPACE
class QBarSeries;
QT_END_NAMESPACE

namespace ts::gui {

class StalenessChart final : public QChartView
{
    Q_OBJECT

public:
    explicit StalenessChart(QWidget* parent = nullptr);

    // counts[worker][s]: how many of the worker's updates were s steps stale.
    void setHistogram(const std::map<int, std::vector<int64_t>>& counts);
    // The bars shown: one set per worker, one value per staleness 0 .. the largest seen.
    QBarSeries* series() const { return m_series; }

private:
    QBarSeries* m_series = nullptr;
};

} // namespace ts::gui
