#include "train/recorder_sink.h"

#include "train/pipeline_runner.h" // for RunListener

#include <chrono>

namespace ts::train {
namespace {

double unixNow()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();
}

} // namespace

RecorderSink::RecorderSink(RunRecorder& recorder, int64_t run, int worker, RunListener* listener,
                           const std::atomic<bool>* cancel)
    : m_recorder(recorder)
    , m_run(run)
    , m_worker(worker)
    , m_listener(listener)
    , m_cancel(cancel)
{}

void RecorderSink::onMetric(const std::string& name, int64_t step, double value)
{
    if (m_failure)
        return;
    if (common::Result r =
                m_recorder.appendMetric({ m_run, name, m_worker, step, value, unixNow() });
        !r)
        m_failure = std::move(r).error();
}

void RecorderSink::onProgress(const Progress& progress)
{
    if (m_listener)
        m_listener->onProgress(progress);
}

void RecorderSink::onEvaluation(int64_t step, const ClassificationReport& report)
{
    for (int64_t c = 0; c < report.classes; ++c) {
        const std::string suffix = "_class" + std::to_string(c);
        const auto i = static_cast<size_t>(c);
        onMetric("test_precision" + suffix, step, report.precision[i]);
        onMetric("test_recall" + suffix, step, report.recall[i]);
        onMetric("test_f1" + suffix, step, report.f1[i]);
    }
    onMetric("test_macro_f1", step, report.macroF1);
    flush();
    if (m_failure)
        return;
    if (common::Result r =
                m_recorder.saveConfusionMatrix(m_run, step, report.classes, report.confusion);
        !r)
        m_failure = std::move(r).error();
}

bool RecorderSink::cancelled() const
{
    return m_failure.has_value() || (m_cancel && m_cancel->load());
}

void RecorderSink::flush()
{
    if (m_failure)
        return;
    if (common::Result r = m_recorder.flushMetrics(); !r)
        m_failure = std::move(r).error();
}

} // namespace ts::train
