#include "train/pipeline_runner.h"

#include "data/idx_reader.h"
#include "nn/model_factory.h"

#include <chrono>
#include <sstream>
#include <vector>

namespace ts::train {

using common::Error;
using common::ErrorKind;
using common::Expected;
using common::Result;

namespace {

double unixNow()
{
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();
}

Expected<data::Dataset> loadSplit(const pipeline::SourceSpec& source,
                                  const pipeline::SplitFiles& files)
{
    if (source.format == pipeline::SourceFormat::Idx)
        return data::readIdxDataset(files.images, files.labels);
    return data::readCsvDataset(files.images, source.csv);
}

// Streams metric points into the store in transactions of BatchSize points. A failed write
// stops training (cancelled() turns true) and is reported by the runner.
class StoreSink final : public MetricSink
{
public:
    static constexpr size_t BatchSize = 64;

    StoreSink(store::ExperimentStore& store, int64_t run, RunListener* listener,
              const std::atomic<bool>* cancel)
        : m_store(store)
        , m_run(run)
        , m_listener(listener)
        , m_cancel(cancel)
    {}

    void onMetric(const std::string& name, int64_t step, double value) override
    {
        m_pending.push_back({ m_run, name, 0, step, value, unixNow() });
        if (m_pending.size() >= BatchSize)
            flush();
    }

    void onProgress(const Progress& progress) override
    {
        if (m_listener)
            m_listener->onProgress(progress);
    }

    // Per-class precision, recall and F1 become metric points ("test_f1_class3"), the
    // confusion matrix goes to its own table.
    void onEvaluation(int64_t step, const ClassificationReport& report) override
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
        if (Result r = m_store.saveConfusionMatrix(m_run, step, report.classes, report.confusion);
            !r)
            m_failure = std::move(r).error();
    }

    bool cancelled() const override
    {
        return m_failure.has_value() || (m_cancel && m_cancel->load());
    }

    void flush()
    {
        if (m_pending.empty() || m_failure)
            return;
        if (Result r = m_store.appendMetrics(m_pending); !r)
            m_failure = std::move(r).error();
        m_pending.clear();
    }

    std::optional<Error>& failure() { return m_failure; }

private:
    store::ExperimentStore& m_store;
    int64_t m_run;
    RunListener* m_listener;
    const std::atomic<bool>* m_cancel;
    std::vector<store::MetricPoint> m_pending;
    std::optional<Error> m_failure;
};

// Six significant digits: "0.05", "1e-08" (std::to_string would print 1e-8 as "0.000000").
std::string decimal(double value)
{
    std::ostringstream text;
    text << value;
    return text.str();
}

// The fields of the optimizer's type only, so a run's params read like its pipeline.
std::vector<std::pair<std::string, std::string>> optimizerParams(const nn::OptimizerSpec& o)
{
    std::vector<std::pair<std::string, std::string>> params {
        { "optimizer.learningRate", decimal(o.learningRate) },
        { "optimizer.weightDecay", decimal(o.weightDecay) },
    };
    if (o.type == "sgd") {
        params.push_back({ "optimizer.momentum", decimal(o.momentum) });
        params.push_back({ "optimizer.nesterov", o.nesterov ? "true" : "false" });
    } else {
        params.push_back({ "optimizer.beta1", decimal(o.beta1) });
        params.push_back({ "optimizer.beta2", decimal(o.beta2) });
        params.push_back({ "optimizer.epsilon", decimal(o.epsilon) });
    }
    const nn::ScheduleSpec& s = o.schedule;
    params.push_back({ "optimizer.schedule.type", s.type });
    if (s.type == "step") {
        params.push_back({ "optimizer.schedule.stepSize", std::to_string(s.stepSize) });
        params.push_back({ "optimizer.schedule.gamma", decimal(s.gamma) });
    } else if (s.type == "cosine") {
        params.push_back({ "optimizer.schedule.minLearningRate", decimal(s.minLearningRate) });
    }
    params.push_back({ "optimizer.schedule.warmupSteps", std::to_string(s.warmupSteps) });
    params.push_back({ "optimizer.clipNorm", decimal(o.clipNorm) });
    return params;
}

std::vector<std::pair<std::string, std::string>> runParams(const pipeline::PipelineSpec& spec,
                                                           const RunStart& start)
{
    const auto& t = spec.train;
    std::string hidden;
    for (int64_t h : t.model.hidden)
        hidden += (hidden.empty() ? "" : ",") + std::to_string(h);
    std::vector<std::pair<std::string, std::string>> params {
        { "model.type", t.model.type },
        { "model.hidden", hidden },
        { "model.layers", start.model },
        { "model.parameters", std::to_string(start.parameters) },
        { "optimizer", t.optimizer.type },
        { "epochs", std::to_string(t.epochs) },
        { "batchSize", std::to_string(t.batchSize) },
        { "seed", std::to_string(t.seed) },
        { "prep.scale", data::toString(spec.prep.scale) },
        { "data.trainRows", std::to_string(start.trainRows) },
        { "data.testRows", std::to_string(start.testRows) },
        { "data.features", std::to_string(start.features) },
        { "data.classes", std::to_string(start.classes) },
    };
    const auto optimizer = optimizerParams(t.optimizer);
    params.insert(params.end(), optimizer.begin(), optimizer.end());
    return params;
}

} // namespace

Expected<RunOutcome> runPipeline(const pipeline::PipelineSpec& spec, const RunOptions& options,
                                 RunListener* listener)
{
    const auto wallStart = std::chrono::steady_clock::now();
    // 1. Data first: every input error surfaces before the store is opened.
    auto train = loadSplit(spec.source, spec.source.train);
    if (!train)
        return std::move(train).error().wrap(spec.origin + ": training data");
    auto test = loadSplit(spec.source, spec.source.test);
    if (!test)
        return std::move(test).error().wrap(spec.origin + ": test data");
    if (test->cols != train->cols)
        return Error(ErrorKind::InvalidInput,
                     spec.origin + ": test data (" + test->origin + ") has "
                             + std::to_string(test->cols) + " features per row, training data ("
                             + train->origin + ") has " + std::to_string(train->cols));
    const int64_t classes = std::max(train->classCount, test->classCount);
    if (classes < 2)
        return Error(ErrorKind::InvalidInput,
                     spec.origin + ": training data (" + train->origin
                             + ") has fewer than 2 classes; a classifier needs at least 2");

    const std::vector<int64_t> sampleShape =
            train->sampleShape.empty() ? std::vector<int64_t> { train->cols } : train->sampleShape;
    if (common::Result fits = nn::checkModelFits(spec.train.model, sampleShape); !fits)
        return std::move(fits).error().wrap(spec.origin + ": stages.train.model");

    // 2. Prep, fitted on the training split only.
    const auto normalizer = data::Normalizer::fit(*train, spec.prep.scale);
    normalizer.apply(*train);
    normalizer.apply(*test);

    // 3. Backend.
    auto selection = tensor::selectBackend(options.device.value_or(spec.train.device),
                                           options.threads.value_or(spec.train.threads));
    if (!selection)
        return std::move(selection).error().wrap(spec.origin + ": stages.train.device");
    tensor::Backend& backend = *selection->backend;
    auto model = nn::buildModel(spec.train.model, backend, sampleShape, classes, spec.train.seed);

    // 4. Store and run.
    const std::string storePath =
            options.storePath.empty() ? store::ExperimentStore::defaultPath() : options.storePath;
    auto store = store::ExperimentStore::open(storePath);
    if (!store)
        return std::move(store).error();
    RunStart start {
        0,          storePath,   backend.name(), selection->note,   train->rows,
        test->rows, train->cols, classes,        model->describe(), model->parameterCount()
    };
    store::NewRun newRun { spec.experiment, spec.name, spec.text, backend.name(),
                           runParams(spec, start) };
    auto runId = (*store)->createRun(newRun);
    if (!runId)
        return std::move(runId).error();
    start.runId = *runId;
    if (listener)
        listener->onStart(start);

    // 5. Train and evaluate.
    TrainOptions trainOptions { spec.train.epochs, spec.train.batchSize, spec.train.seed,
                                spec.train.optimizer, spec.train.logEvery };
    StoreSink sink(**store, *runId, listener, options.cancel);
    Trainer trainer(backend, *model, trainOptions);
    RunOutcome outcome;
    outcome.start = start;
    outcome.summary = trainer.fit(*train, spec.evaluate.enabled ? &*test : nullptr, sink);
    sink.flush();

    // 6. Final state.
    if (sink.failure()) {
        Error failure =
                std::move(*sink.failure()).wrap("storing metrics of run " + std::to_string(*runId));
        (void)(*store)->finishRun(*runId, store::RunStatus::Failed, failure.message());
        return failure;
    }
    outcome.status =
            outcome.summary.cancelled ? store::RunStatus::Cancelled : store::RunStatus::Finished;
    TS_TRY((*store)->finishRun(*runId, outcome.status));
    outcome.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    return outcome;
}

} // namespace ts::train
