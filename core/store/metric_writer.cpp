#include "store/metric_writer.h"

namespace ts::store {

using Clock = std::chrono::steady_clock;

struct MetricWriter::Private
{
    std::unique_ptr<ExperimentStore> store;
    Options options;
    std::vector<MetricPoint> buffer;
    Clock::time_point oldest; // when the first point of `buffer` arrived
    std::vector<MetricPoint> lastBatch;
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
