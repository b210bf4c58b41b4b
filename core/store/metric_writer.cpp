#include "store/metric_writer.h"

#include <algorithm> // for find_if, sort
#include <cstdint>
#include <numeric> // for iota
#include <string_view>
#include <tuple>   // for tie
#include <utility> // for exchange

namespace ts::store {

using Clock = std::chrono::steady_clock;

namespace {

// Beyond this many distinct series in one batch, grouping costs more than it saves.
constexpr size_t GroupedSeriesMax = 256;

struct SeriesKey
{
    int64_t run;
    std::string_view name;
    int worker;

    bool matches(const MetricPoint& point) const
    {
        return run == point.run && worker == point.worker && name == point.name;
    }
    bool operator<(const SeriesKey& other) const
    {
        return std::tie(run, name, worker) < std::tie(other.run, other.name, other.worker);
    }
};

// The series of each point (an index into `series`, filled in order of first appearance); false
// when the batch holds more than GroupedSeriesMax series.
bool assignSeries(const std::vector<MetricPoint>& points, std::vector<SeriesKey>& series,
                  std::vector<uint32_t>& seriesOf)
{
    seriesOf.resize(points.size());
    size_t last = 0;
    for (size_t i = 0; i < points.size(); ++i) {
        const MetricPoint& point = points[i];
        // Training loops append their series in a cycle (each metric of each worker at every
        // step), so the series after the last one found is nearly always the next one.
        size_t found = last + 1 < series.size() ? last + 1 : 0;
        if (found >= series.size() || !series[found].matches(point)) {
            const auto it = std::find_if(series.begin(), series.end(),
                                         [&](const SeriesKey& key) { return key.matches(point); });
            found = size_t(it - series.begin());
            if (it == series.end()) {
                if (series.size() == GroupedSeriesMax)
                    return false;
                series.push_back({ point.run, point.name, point.worker });
            }
        }
        seriesOf[i] = uint32_t(found);
        last = found;
    }
    return true;
}

// Reorders a batch series by series, in key order, each series' points in the order they came.
// A training loop interleaves its series; inserting each series' points one after another keeps
// SQLite on the same B-tree leaves from row to row instead of hopping between them, which makes
// commits of many interleaved series about 10% faster (tests/bench/bench_store.py). The order is
// stable, so of two points with the same key the first appended is still the one stored (ON
// CONFLICT DO NOTHING keeps the first).
void groupBySeries(std::vector<MetricPoint>& points, std::vector<MetricPoint>& scratch)
{
    std::vector<SeriesKey> series;
    std::vector<uint32_t> seriesOf;
    if (!assignSeries(points, series, seriesOf) || series.size() < 2)
        return;
    std::vector<uint32_t> byKey(series.size());
    std::iota(byKey.begin(), byKey.end(), 0);
    std::sort(byKey.begin(), byKey.end(),
              [&](uint32_t a, uint32_t b) { return series[a] < series[b]; });
    // A counting sort: where each series starts in the output, then every point to its place.
    std::vector<size_t> next(series.size(), 0);
    for (const uint32_t s : seriesOf)
        ++next[s];
    size_t start = 0;
    for (const uint32_t s : byKey)
        start += std::exchange(next[s], start);
    scratch.resize(points.size());
    for (size_t i = 0; i < points.size(); ++i)
        scratch[next[seriesOf[i]]++] = std::move(points[i]);
    points.swap(scratch);
}

} // namespace

struct MetricWriter::Private
{
    std::unique_ptr<ExperimentStore> store;
    Options options;
    std::vector<MetricPoint> buffer;
    Clock::time_point oldest; // when the first point of `buffer` arrived
    std::vector<MetricPoint> lastBatch;
    std::vector<MetricPoint> scratch; // groupBySeries' output, kept to reuse its allocation
    int64_t committed = 0;
};

MetricWriter::MetricWriter(std::unique_ptr<Private> d)
    : d(std::move(d))
{}

MetricWriter::~MetricWriter() = default;

common::Expected<std::unique_ptr<MetricWriter>> MetricWriter::open(const std::string& path,
                                                                   Options options)
{
    auto store = ExperimentStore::open(path);
    TS_TRY(store);
    auto d = std::make_unique<Private>();
    d->store = std::move(*store);
    d->options = options;
    d->buffer.reserve(options.batchRows);
    return std::unique_ptr<MetricWriter>(new MetricWriter(std::move(d)));
}

common::Result MetricWriter::append(const MetricPoint& point)
{
    // One clock read per point: at a million points a second a second read is measurable.
    const Clock::time_point now = Clock::now();
    if (d->buffer.empty())
        d->oldest = now;
    d->buffer.push_back(point);
    const bool full = d->buffer.size() >= d->options.batchRows;
    const bool old =
            std::chrono::duration<double>(now - d->oldest).count() >= d->options.flushSeconds;
    return full || old ? flush() : common::Result();
}

common::Result MetricWriter::flush()
{
    if (d->buffer.empty())
        return {};
    groupBySeries(d->buffer, d->scratch);
    // On failure nothing of the batch is stored (one transaction) and the points stay buffered
    // for the next flush.
    TS_TRY(d->store->appendMetrics(d->buffer));
    d->lastBatch.swap(d->buffer);
    d->buffer.clear();
    ++d->committed;
    return {};
}

size_t MetricWriter::pending() const
{
    return d->buffer.size();
}

int64_t MetricWriter::committedBatches() const
{
    return d->committed;
}

const std::vector<MetricPoint>& MetricWriter::lastBatch() const
{
    return d->lastBatch;
}

ExperimentStore& MetricWriter::store()
{
    return *d->store;
}

} // namespace ts::store
