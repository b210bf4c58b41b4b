#include "train/pipeline_runner.h"

#include "nn/model_factory.h"
#include "pipeline/pipeline_parser.h"
#include "train/data_preparation.h"
#include "train/prepared_pipeline.h"
#include "train/recorder_sink.h"
#include "train/run_params.h"
#include "train/store_recorder.h"

#include <nlohmann/json.hpp>

#include <charconv> // for std::from_chars
#include <chrono>
#include <filesystem>
#include <system_error>
#include <vector>

namespace ts::train {

using Clock = std::chrono::steady_clock;
using common::Error;
using common::ErrorKind;
using common::Expected;
using common::Result;

namespace {

std::string paramOf(const store::RunDetails& run, const std::string& key)
{
    for (const auto& [k, value] : run.params)
        if (k == key)
            return value;
    return {};
}

// The pipeline's train.model object as compact JSON: what a checkpoint records of its model. The
// text passed parsePipeline (or is empty), so its stages have their validated shape.
std::string modelSpecJson(const std::string& pipelineText)
{
    const auto root = nlohmann::json::parse(pipelineText, nullptr, /*allow_exceptions=*/false);
    if (root.is_object())
        for (const auto& stage : root.value("stages", nlohmann::json::array()))
            if (stage.contains("train"))
                return stage["train"].value("model", nlohmann::json::object()).dump();
    return {};
}

} // namespace

namespace detail {

Expected<Prepared> prepare(const pipeline::PipelineSpec& spec, const RunOptions& options)
{
    // 1. Data first: every input error surfaces before the store is opened.
    Prepared p;
    auto data = preparePipelineData(spec, !options.resumeRun); // a resumed run has its stats
    if (!data)
        return std::move(data).error();
    static_cast<PreparedData&>(p) = std::move(*data);
    if (p.test.cols != p.train.cols)
        return Error(ErrorKind::InvalidInput,
                     spec.origin + ": test data (" + p.test.origin + ") has "
                             + std::to_string(p.test.cols) + " features per row, training data ("
                             + p.train.origin + ") has " + std::to_string(p.train.cols));
    const int64_t classes = std::max(p.train.classCount, p.test.classCount);
    if (classes < 2)
        return Error(ErrorKind::InvalidInput,
                     spec.origin + ": training data (" + p.train.origin
                             + ") has fewer than 2 classes; a classifier needs at least 2");

    // 2. Prep, fitted on the training split only (encode, impute, clip, log, buckets, scale);
    // the model's input is what it gives.
    auto prep = applyFittedPrep(spec, p);
    TS_TRY(prep);
    p.prepJson = prep->toJson();
    p.start.trainRows = p.train.rows;
    p.start.testRows = p.test.rows;
    p.start.features = p.train.cols;
    p.start.classes = classes;
    p.start.warnings = std::move(p.warnings);
    p.start.strategy = options.strategyName;
    if (spec.train.forest) { // grown on CPU threads, not on a backend (train/forest_run.cpp)
        p.start.backend = "cpu";
        p.start.model = "random_forest(" + std::to_string(spec.train.forest->trees) + " trees)";
        return p;
    }
    const std::vector<int64_t> sampleShape = p.train.sampleShape.empty()
            ? std::vector<int64_t> { p.train.cols }
            : p.train.sampleShape;
    if (common::Result fits = nn::checkModelFits(spec.train.model, sampleShape); !fits)
        return std::move(fits).error().wrap(spec.origin + ": stages.train.model");

    // 3. Backend and model.
    auto selection = tensor::selectBackend(options.device.value_or(spec.train.device),
                                           options.threads.value_or(spec.train.threads));
    if (!selection)
        return std::move(selection).error().wrap(spec.origin + ": stages.train.device");
    p.selection = std::move(*selection);
    tensor::Backend& backend = *p.selection.backend;
    p.model = nn::buildModel(spec.train.model, backend, sampleShape, classes, spec.train.seed);
    p.start.backend = backend.name();
    p.start.backendNote = p.selection.note;
    p.start.model = p.model->describe();
    p.start.parameters = p.model->parameterCount();
    return p;
}

} // namespace detail

namespace {

using detail::prepare;
using detail::Prepared;

// Steps 5 and 6 for a new or a resumed run: train (from `resumeFrom` when given), then store
// the final state.
Expected<RunOutcome> trainRun(const pipeline::PipelineSpec& spec, Prepared& p,
                              RunRecorder& recorder, const RunOptions& options,
                              const nn::CheckpointState* resumeFrom, RunListener* listener,
                              Clock::time_point wallStart)
{
    if (spec.train.forest)
        return detail::growForest(spec, p, recorder, options, listener, wallStart);
    if (options.pipelineStages && options.plane)
        return detail::trainStage(spec, p, recorder, options, listener, wallStart);
    const RunStart& start = p.start;
    const std::string runName = "run " + std::to_string(start.runId);
    RecorderSink sink(recorder, start.runId, options.worker, listener, options.cancel);
    TrainOptions trainOptions { spec.train.epochs, spec.train.batchSize, spec.train.seed,
                                spec.train.optimizer, spec.train.logEvery };
    trainOptions.checkpointEvery = start.checkpointEvery;
    trainOptions.strategy = options.strategy;
    trainOptions.dataRank = options.dataRank;
    trainOptions.dataRanks = options.dataRanks;
    trainOptions.checkpointPath = start.checkpointPath;
    trainOptions.modelSpecJson = modelSpecJson(spec.text);
    // The points before a checkpoint are stored before it: a resumed run never misses one.
    trainOptions.beforeCheckpoint = [&sink]() -> Result {
        sink.flush();
        return sink.failure() ? Result(Error(*sink.failure())) : Result();
    };
    trainOptions.afterCheckpoint = [&](int64_t step) {
        return recorder.checkpointSaved(start.runId, step, start.checkpointPath);
    };
    Trainer trainer(*p.selection.backend, *p.model, trainOptions);
    if (resumeFrom) {
        if (Result restored = trainer.resume(*resumeFrom); !restored)
            return std::move(restored).error().wrap("resuming " + runName + " from "
                                                    + start.checkpointPath);
        TS_TRY(recorder.reopenRun(start.runId));
    }
    if (listener)
        listener->onStart(start);

    RunOutcome outcome;
    outcome.start = start;
    outcome.summary = trainer.fit(p.train, spec.evaluate.enabled ? &p.test : nullptr, sink);
    sink.flush();

    // 6. Final state: a checkpoint that could not be saved, then a metric write that failed.
    const bool trainingFailed = outcome.summary.failure.has_value();
    if (auto& failure = trainingFailed ? outcome.summary.failure : sink.failure()) {
        Error error = std::move(*failure).wrap(trainingFailed ? runName
                                                              : "storing metrics of " + runName);
        (void)recorder.finishRun(start.runId, store::RunStatus::Failed, error.message());
        return error;
    }
    outcome.status =
            outcome.summary.cancelled ? store::RunStatus::Cancelled : store::RunStatus::Finished;
    TS_TRY(recorder.finishRun(start.runId, outcome.status, {}));
    outcome.seconds = std::chrono::duration<double>(Clock::now() - wallStart).count();
    return outcome;
}

} // namespace

std::string checkpointFolder(const std::string& storePath)
{
    return (std::filesystem::path(storePath).parent_path() / "checkpoints").string();
}

std::string checkpointPathOf(const std::string& storePath, int64_t run)
{
    return checkpointFolder(storePath) + "/run-" + std::to_string(run) + ".tsckpt";
}

Expected<RunOutcome> runPipeline(const pipeline::PipelineSpec& spec, const RunOptions& options,
                                 RunListener* listener)
{
    const auto wallStart = Clock::now();
    auto prepared = prepare(spec, options);
    if (!prepared)
        return std::move(prepared).error();

    // 4. Store and run.
    const std::string storePath =
            options.storePath.empty() ? store::ExperimentStore::defaultPath() : options.storePath;
    auto store = store::ExperimentStore::open(storePath);
    if (!store)
        return std::move(store).error();
    RunStart& start = prepared->start;
    start.storePath = storePath;
    start.checkpointEvery = std::max<int64_t>(options.checkpointEvery, 0);
    if (std::error_code ec; start.checkpointEvery > 0
        && !std::filesystem::create_directories(checkpointFolder(storePath), ec) && ec)
        return Error(ErrorKind::Io,
                     checkpointFolder(storePath)
                             + ": cannot create the checkpoint folder: " + ec.message());
    store::NewRun newRun { spec.experiment, spec.name, spec.text, start.backend,
                           runParams(spec, start) };
    auto recorder = StoreRecorder::open(**store);
    if (!recorder)
        return std::move(recorder).error();
    auto runId = createRunWithStats(**recorder, newRun, *prepared); // a failure marks it failed
    if (!runId)
        return std::move(runId).error();
    start.runId = *runId;
    if (start.checkpointEvery > 0)
        start.checkpointPath = checkpointPathOf(storePath, *runId);
    return trainRun(spec, *prepared, **recorder, options, nullptr, listener, wallStart);
}

Expected<RunOutcome> runPipelineWith(const pipeline::PipelineSpec& spec, const RunOptions& options,
                                     RunRecorder& recorder, RunListener* listener)
{
    const auto wallStart = Clock::now();
    std::optional<nn::CheckpointState> checkpoint;
    if (!options.resumeCheckpoint.empty()) {
        auto loaded = nn::loadCheckpoint(options.resumeCheckpoint);
        if (!loaded)
            return std::move(loaded).error().wrap("resuming " + spec.origin);
        checkpoint = std::move(*loaded);
    }
    auto prepared = prepare(spec, options);
    if (!prepared)
        return std::move(prepared).error();
    RunStart& start = prepared->start;
    start.checkpointEvery = options.checkpointPath.empty() ? 0 : options.checkpointEvery;
    start.checkpointPath = start.checkpointEvery > 0 ? options.checkpointPath : std::string();
    store::NewRun newRun { spec.experiment, spec.name, spec.text, start.backend,
                           runParams(spec, start) };
    auto runId = createRunWithStats(recorder, newRun, *prepared);
    if (!runId)
        return std::move(runId).error();
    start.runId = *runId;
    if (checkpoint) {
        start.resumed = true;
        start.resumeStep = checkpoint->globalStep;
    }
    return trainRun(spec, *prepared, recorder, options, checkpoint ? &*checkpoint : nullptr,
                    listener, wallStart);
}

Expected<RunOutcome> resumePipeline(const RunOptions& options, RunListener* listener)
{
    const auto wallStart = Clock::now();
    const int64_t runId = options.resumeRun.value_or(0); // run ids start at 1
    const std::string runName = "run " + std::to_string(runId);
    const std::string storePath =
            options.storePath.empty() ? store::ExperimentStore::defaultPath() : options.storePath;
    if (!std::filesystem::exists(storePath)) // reading a run never creates a store
        return Error(ErrorKind::NotFound,
                     "no " + runName + " in " + storePath + ": there is no experiment store there");
    auto store = store::ExperimentStore::open(storePath);
    if (!store)
        return std::move(store).error();
    auto run = (*store)->runDetails(runId);
    if (!run)
        return std::move(run).error();
    if (run->status == store::RunStatus::Finished)
        return Error(ErrorKind::InvalidInput, runName + " already finished; nothing to resume");
    auto spec =
            pipeline::parsePipeline(run->pipelineJson, runName, paramOf(*run, "pipeline.baseDir"));
    if (!spec)
        return std::move(spec).error();
    const std::string path = checkpointPathOf(storePath, runId);
    if (spec->train.forest)
        return Error(ErrorKind::InvalidInput,
                     runName
                             + " grows a random forest, which keeps no checkpoints; run the "
                               "pipeline again");
    auto checkpoint = nn::loadCheckpoint(path);
    if (!checkpoint && checkpoint.error().kind() == ErrorKind::NotFound)
        return Error(ErrorKind::NotFound,
                     runName + " has no checkpoint (it was started without --checkpoint-every)");
    if (!checkpoint)
        return std::move(checkpoint).error().wrap("resuming " + runName);
    auto prepared = prepare(*spec, options);
    if (!prepared)
        return std::move(prepared).error();

    RunStart& start = prepared->start;
    start.runId = runId;
    start.storePath = storePath;
    const std::string every = paramOf(*run, "checkpointEvery");
    std::from_chars(every.data(), every.data() + every.size(), start.checkpointEvery);
    start.checkpointPath = path;
    start.resumed = true;
    start.resumeStep = checkpoint->globalStep;
    auto recorder = StoreRecorder::open(**store);
    if (!recorder)
        return std::move(recorder).error();
    return trainRun(*spec, *prepared, **recorder, options, &*checkpoint, listener, wallStart);
}

} // namespace ts::train
