#include "train/store_recorder.h"

namespace ts::train {

common::Expected<std::unique_ptr<StoreRecorder>> StoreRecorder::open(store::ExperimentStore& store)
{
    auto writer = store::MetricWriter::open(store.path());
    if (!writer)
        return std::move(writer).error();
    return std::unique_ptr<StoreRecorder>(new StoreRecorder(store, std::move(*writer)));
}

StoreRecorder::StoreRecorder(store::ExperimentStore& store,
                             std::unique_ptr<store::MetricWriter> writer)
    : m_store(store)
    , m_writer(std::move(writer))
{}

common::Expected<int64_t> StoreRecorder::createRun(const store::NewRun& run)
{
    return m_store.createRun(run);
}

common::Result StoreRecorder::saveDatasetStats(int64_t run, const std::string& split,
                                               const data::DatasetStats& stats)
{
    return m_store.saveDatasetStats(run, split, stats);
}

common::Result StoreRecorder::saveFittedPrep(int64_t run, const std::string& json)
{
    return m_store.saveFittedPrep(run, json);
}

common::Result StoreRecorder::reopenRun(int64_t run)
{
    return m_store.reopenRun(run);
}

common::Result StoreRecorder::appendMetric(const store::MetricPoint& point)
{
    return m_writer->append(point);
}

common::Result StoreRecorder::flushMetrics()
{
    return m_writer->flush();
}

common::Result StoreRecorder::saveConfusionMatrix(int64_t run, int64_t step, int64_t classes,
                                                  std::span<const int64_t> counts)
{
    return m_store.saveConfusionMatrix(run, step, classes, counts);
}

common::Result StoreRecorder::finishRun(int64_t run, store::RunStatus status,
                                        const std::string& error)
{
    return m_store.finishRun(run, status, error);
}

common::Result StoreRecorder::recordStaleness(int64_t run, int worker,
                                              std::span<const int64_t> staleness)
{
    return m_store.recordStaleness(run, worker, staleness);
}

common::Result StoreRecorder::addEvent(const store::RunEvent& event)
{
    TS_TRY(m_store.addEvent(event));
    return {};
}

} // namespace ts::train
