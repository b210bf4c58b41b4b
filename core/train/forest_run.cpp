// growForest (train/prepared_pipeline.h): the run of a "random_forest" pipeline.
//
// Tree i of the forest belongs to rank i mod N of the job (all of them in a run of one process),
// and is grown by one of the rank's "threads". Each grown tree is a "trees_grown" point (step =
// trees grown by this rank so far) and a progress report. Other ranks send their trees to rank 0
// over the data plane as they finish ("tree <i>", the tree's flat form); rank 0 merges all of
// them in tree order, and records the forest's test loss (cross-entropy of its mean leaf
// distributions), accuracy and confusion matrix at step = the forest's tree count.
#include "dist/data_plane.h"
#include "train/evaluation.h"
#include "train/prepared_pipeline.h"
#include "train/recorder_sink.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <thread>

namespace ts::train::detail {

using common::Error;
using common::ErrorKind;
using Clock = std::chrono::steady_clock;

namespace {

// The forest's evaluation on `test`, as a network's (train/trainer.h, Evaluation).
Evaluation evaluateForest(const forest::RandomForest& forest, const data::Dataset& test)
{
    Evaluation result;
    ReportBuilder report(forest.classes());
    double loss = 0;
    for (int64_t i = 0; i < test.rows; ++i) {
        const std::vector<float> p = forest.predictProba(test.row(i));
        const auto actual = static_cast<int64_t>(test.labels[size_t(i)]);
        const int64_t predicted = std::max_element(p.begin(), p.end()) - p.begin();
        report.add(actual, predicted);
        loss -= std::log(std::max(double(p[size_t(actual)]), 1e-15));
    }
    result.rows = test.rows;
    if (test.rows > 0) {
        result.report = report.finish();
        result.loss = loss / double(test.rows);
        result.accuracy = result.report.accuracy;
    }
    return result;
}

// Rank 0 receives the trees of every other rank: `expected` of them.
common::Expected<std::vector<std::pair<int, forest::DecisionTree>>>
receiveTrees(dist::DataPlane& plane, size_t expected, int64_t features,
             const std::atomic<bool>* cancel)
{
    std::vector<std::pair<int, forest::DecisionTree>> trees;
    auto lastHeard = Clock::now();
    while (trees.size() < expected) {
        if (cancel && *cancel)
            return Error(ErrorKind::Io, "cancelled while receiving the other ranks' trees");
        if (Clock::now() - lastHeard > std::chrono::minutes(30))
            return Error(ErrorKind::Io, "no tree from the other ranks for 30 minutes");
        auto next = plane.receiveAny(std::chrono::milliseconds(200));
        TS_TRY(next);
        if (!*next || (*next)->tag.rfind("tree ", 0) != 0)
            continue;
        lastHeard = Clock::now();
        bool ok = false;
        forest::DecisionTree tree = forest::DecisionTree::deserialize(
                (*next)->values.data(), (*next)->values.size(), features, &ok);
        if (!ok)
            return Error(ErrorKind::InvalidInput,
                         "rank " + std::to_string((*next)->peer) + " sent a malformed '"
                                 + (*next)->tag + "'");
        trees.emplace_back(std::stoi((*next)->tag.substr(5)), std::move(tree));
    }
    return trees;
}

} // namespace

common::Expected<RunOutcome> growForest(const pipeline::PipelineSpec& spec, Prepared& p,
                                        RunRecorder& recorder, const RunOptions& options,
                                        RunListener* listener, Clock::time_point wallStart)
{
    const RunStart& start = p.start;
    const std::string runName = "run " + std::to_string(start.runId);
    RecorderSink sink(recorder, start.runId, options.worker, listener, options.cancel);
    forest::ForestParams params = *spec.train.forest;
    params.seed = spec.train.seed;
    dist::DataPlane* plane = options.plane;
    const int rank = plane ? plane->rank() : 0;
    const int ranks = plane ? plane->worldSize() : 1;
    std::vector<int> share;
    for (int i = rank; i < params.trees; i += ranks)
        share.push_back(i);
    const int threads = options.threads.value_or(spec.train.threads) > 0
            ? options.threads.value_or(spec.train.threads)
            : int(std::max(1u, std::thread::hardware_concurrency()));
    if (listener)
        listener->onStart(start);

    RunOutcome outcome;
    outcome.start = start;
    const auto started = Clock::now();
    common::Result sent;
    const auto onTree = [&](int index, int done, const forest::DecisionTree& tree) {
        sink.onMetric("trees_grown", done, done);
        Progress progress;
        progress.epochs = 1;
        progress.trees = true;
        progress.step = done;
        progress.stepsPerEpoch = int64_t(share.size());
        progress.stepInEpoch = done;
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        progress.etaSeconds = seconds / done * double(int64_t(share.size()) - done);
        // Rows through the trees per second: what a run of a network reports as samples/s.
        progress.samplesPerSecond = double(p.train.rows) * done / std::max(seconds, 1e-9);
        sink.onProgress(progress);
        if (plane && rank != 0 && sent)
            sent = plane->send(0, "tree " + std::to_string(index), tree.serialize());
    };
    auto grown = forest::RandomForest::growTrees(p.train, params, share, threads, onTree,
                                                 options.cancel);
    outcome.summary.steps = int64_t(grown.size());
    outcome.summary.trainSeconds = std::chrono::duration<double>(Clock::now() - started).count();
    outcome.summary.samplesPerSecond = double(p.train.rows) * double(grown.size())
            / std::max(outcome.summary.trainSeconds, 1e-9);
    outcome.summary.cancelled = options.cancel && *options.cancel;
    const auto fail = [&](Error error) -> common::Expected<RunOutcome> {
        error = std::move(error).wrap(runName);
        (void)recorder.finishRun(start.runId, store::RunStatus::Failed, error.message());
        return error;
    };
    if (!sent)
        return fail(Error(sent.error()).wrap("sending the trees to rank 0"));
    if (!outcome.summary.cancelled && rank == 0) {
        if (plane) {
            auto others = receiveTrees(*plane, size_t(params.trees) - share.size(), p.train.cols,
                                       options.cancel);
            if (!others)
                return fail(others.error());
            for (auto& tree : *others)
                grown.push_back(std::move(tree));
        }
        const int classes = int(std::max(p.train.classCount, p.test.classCount));
        const forest::RandomForest forest = forest::RandomForest::merge(std::move(grown), classes);
        if (spec.evaluate.enabled) {
            outcome.summary.test = evaluateForest(forest, p.test);
            const int64_t step = int64_t(forest.trees().size());
            sink.onMetric("test_loss", step, outcome.summary.test.loss);
            sink.onMetric("test_accuracy", step, outcome.summary.test.accuracy);
            sink.onEvaluation(step, outcome.summary.test.report);
        }
        outcome.summary.steps = int64_t(forest.trees().size());
    }
    outcome.summary.epochsDone = outcome.summary.cancelled ? 0 : 1;
    sink.flush();
    if (auto& failure = sink.failure())
        return fail(std::move(*failure).wrap("storing metrics"));
    outcome.status =
            outcome.summary.cancelled ? store::RunStatus::Cancelled : store::RunStatus::Finished;
    TS_TRY(recorder.finishRun(start.runId, outcome.status, {}));
    outcome.seconds = std::chrono::duration<double>(Clock::now() - wallStart).count();
    return outcome;
}

} // namespace ts::train::detail
