#include "train/pipeline_runner.h"

#include "data/idx_reader.h"
#include "nn/model_factory.h"

#include <chrono>
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

std::vector<std::pair<std::string, std::string>> runParams(const pipeline::PipelineSpec& spec,
                                                           const RunStart& start)
{
    const auto& t = spec.train;
    std::string hidden;
    for (int64_t h : t.model.hidden)
        hidden += (hidden.empty() ? "" : ",") + std::to_string(h);
    return {
        { "model.type", t.model.type },
        { "model.hidden", hidden },
        { "model.layers", start.model },
        { "model.parameters", std::to_string(start.parameters) },
        { "optimizer", "sgd" },
        { "optimizer.learningRate", std::to_string(t.optimizer.learningRate) },
        { "optimizer.momentum", std::to_string(t.optimizer.momentum) },
        { "optimizer.weightDecay", std::to_string(t.optimizer.weightDecay) },
        { "epochs", std::to_string(t.epochs) },
        { "batchSize", std::to_string(t.batchSize) },
        { "seed", std::to_string(t.seed) },
        { "prep.scale", data::toString(spec.prep.scale) },
        { "data.trainRows", std::to_string(start.trainRows) },
        { "data.testRows", std::to_string(start.testRows) },
        { "data.features", std::to_string(start.features) },
        { "data.classes", std::to_string(start.classes) },
    };
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
    auto model = nn::buildModel(spec.train.model, backend, train->cols, classes, spec.train.seed);

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
