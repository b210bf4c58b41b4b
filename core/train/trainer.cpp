#include "train/trainer.h"

#include "data/batcher.h"
#include "nn/dropout.h"
#include "nn/grad_clip.h"
#include "nn/residual_block.h"

#include <algorithm>
#include <bit> // for std::bit_cast
#include <chrono>
#include <map>
#include <optional>
#include <utility> // for std::exchange

namespace ts::train {

using Clock = std::chrono::steady_clock;
using common::Error;
using common::ErrorKind;
using common::Result;
using tensor::Tensor;

namespace {

// Counters of the open loss window, next to the dropout layers' (see trainer.h).
constexpr const char* LossSumCounter = "trainer.lossSum";
constexpr const char* LossCountCounter = "trainer.lossCount";
constexpr const char* SeedSuffix = ".seed";

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// One update: the scheduled learning rate of this step, clipping, then the optimizer's rule.
// Returns the learning rate used.
float applyUpdate(nn::Optimizer& optimizer, const nn::OptimizerSpec& spec, int64_t totalSteps)
{
    const float learningRate =
            nn::learningRateAt(spec.schedule, spec.learningRate, optimizer.stepCount(), totalSteps);
    optimizer.setLearningRate(learningRate);
    if (spec.clipNorm > 0)
        nn::clipGradientNorm(optimizer.parameters(), spec.clipNorm);
    optimizer.step();
    return learningRate;
}

void collectDropouts(const nn::Sequential& model, std::vector<nn::Dropout*>& out)
{
    for (const auto& layer : model.layers()) {
        if (auto* dropout = dynamic_cast<nn::Dropout*>(layer.get())) {
            out.push_back(dropout);
        } else if (auto* block = dynamic_cast<nn::ResidualBlock*>(layer.get())) {
            collectDropouts(block->main(), out);
            if (block->shortcut())
                collectDropouts(*block->shortcut(), out);
        }
    }
}

Result invalid(const std::string& message)
{
    return Error(ErrorKind::InvalidInput, message);
}

} // namespace

struct Trainer::Loop
{
    Loop(const data::Dataset& train, const TrainOptions& options)
        : batcher(train, options.batchSize, options.seed)
        // The slice first: it sets how many batches an epoch has.
        , stepsPerEpoch(
                  (batcher.setSlice(options.dataRank, options.dataRanks), batcher.batchCount()))
        , totalSteps(stepsPerEpoch * options.epochs)
    {}

    data::Batcher batcher;
    const int64_t stepsPerEpoch;
    const int64_t totalSteps;
    int epoch = 0;
    TrainSummary summary;
    Tensor features, labels, lossGrad;
    double lossSum = 0; // the open loss window: steps since the last train_loss point
    int64_t lossCount = 0;
    int64_t stepsRun = 0;     // by this fit()
    double trainSeconds = 0;  // of the finished epochs of this fit()
    int64_t samplesSeen = 0;  // of the finished epochs of this fit()
    int64_t epochSamples = 0; // of the current epoch
    Clock::time_point epochStart;
    // The step time of the open loss window, split (see trainer.h).
    double dataSeconds = 0, computeSeconds = 0, commSeconds = 0;
};

Trainer::Trainer(tensor::Backend& backend, nn::Sequential& model, TrainOptions options)
    : m_backend(backend)
    , m_model(model)
    , m_options(std::move(options))
    , m_optimizer(nn::buildOptimizer(m_options.optimizer, m_model.parameters()))
{
    collectDropouts(m_model, m_dropouts);
}

Trainer::~Trainer() = default;

Result Trainer::resume(const nn::CheckpointState& state)
{
    if (state.optimizerType != m_options.optimizer.type)
        return invalid("the checkpoint's optimizer is '" + state.optimizerType + "', the run's '"
                       + m_options.optimizer.type + "'");
    if (state.seed != m_options.seed)
        return invalid("the checkpoint was saved with seed " + std::to_string(state.seed)
                       + ", the run has seed " + std::to_string(m_options.seed));
    if (!m_options.modelSpecJson.empty() && state.modelSpec != m_options.modelSpecJson)
        return invalid("the checkpoint was saved for the model " + state.modelSpec
                       + ", the run has " + m_options.modelSpecJson);
    if (state.epoch < 0 || state.epoch > m_options.epochs || state.batchInEpoch < 0
        || state.globalStep < 0 || state.optimizerStep < 0)
        return invalid("the checkpoint's position (epoch " + std::to_string(state.epoch)
                       + ", batch " + std::to_string(state.batchInEpoch) + ") is outside the run's "
                       + std::to_string(m_options.epochs) + " epochs");
    TS_TRY(restoreCounters(state));
    if (Result r = nn::restoreTensors(state.parameters, nn::parametersOf(m_model)); !r)
        return std::move(r).error().wrap("parameters");
    if (Result r = nn::restoreTensors(state.buffers, m_model.buffers()); !r)
        return std::move(r).error().wrap("buffers");
    if (Result r = nn::restoreTensors(state.optimizerState, m_optimizer->state()); !r)
        return std::move(r).error().wrap("optimizer state");
    m_optimizer->setStepCount(state.optimizerStep);
    m_start.step = state.globalStep;
    m_start.epoch = state.epoch;
    m_start.batch = state.batchInEpoch;
    return {};
}

// Checks every counter before setting any: dropout call counts and seeds, the loss window.
Result Trainer::restoreCounters(const nn::CheckpointState& state)
{
    std::map<std::string, uint64_t> counters(state.counters.begin(), state.counters.end());
    auto take = [&](const std::string& name) -> std::optional<uint64_t> {
        const auto found = counters.find(name);
        if (found == counters.end())
            return std::nullopt;
        const uint64_t value = found->second;
        counters.erase(found);
        return value;
    };
    std::vector<uint64_t> calls;
    for (const nn::Dropout* dropout : m_dropouts) {
        const auto count = take(dropout->name());
        const auto seed = take(dropout->name() + SeedSuffix);
        if (!count || !seed)
            return invalid("the checkpoint has no counters of the dropout layer '" + dropout->name()
                           + "'");
        if (*seed != dropout->seed())
            return invalid("the dropout layer '" + dropout->name() + "' draws its masks from seed "
                           + std::to_string(dropout->seed()) + ", the checkpoint's from seed "
                           + std::to_string(*seed) + " (build the model with the run's seed)");
        calls.push_back(*count);
    }
    const auto lossSum = take(LossSumCounter);
    const auto lossCount = take(LossCountCounter);
    if (!lossSum || !lossCount)
        return invalid("the checkpoint has no loss window counters");
    if (!counters.empty())
        return invalid("the checkpoint has the counter '" + counters.begin()->first
                       + "', which names no dropout layer of the model");
    for (size_t i = 0; i < m_dropouts.size(); ++i)
        m_dropouts[i]->setCalls(calls[i]);
    m_start.lossSum = std::bit_cast<double>(*lossSum);
    m_start.lossCount = static_cast<int64_t>(*lossCount);
    return {};
}

TrainSummary Trainer::fit(const data::Dataset& train, const data::Dataset* test, MetricSink& sink)
{
    Loop loop(train, m_options);
    const Position start = std::exchange(m_start, {});
    const bool atEnd = start.epoch == m_options.epochs;
    if ((atEnd ? start.batch != 0 : start.batch >= std::max<int64_t>(loop.stepsPerEpoch, 1))
        || start.step != start.epoch * loop.stepsPerEpoch + start.batch) {
        loop.summary.failure = Error(
                ErrorKind::InvalidInput,
                "the checkpoint stopped at step " + std::to_string(start.step) + " (epoch "
                        + std::to_string(start.epoch) + ", batch " + std::to_string(start.batch)
                        + "), which does not fit the " + std::to_string(loop.stepsPerEpoch)
                        + " batches per epoch of the training data: the data or the batch "
                          "size changed since");
        return std::move(loop.summary);
    }
    loop.summary.steps = start.step;
    loop.summary.epochsDone = start.epoch;
    loop.lossSum = start.lossSum;
    loop.lossCount = start.lossCount;
    UpdateStrategy* strategy = m_options.strategy;
    if (strategy) {
        if (Result begun = strategy->begin(m_model, *m_optimizer, start.step); !begun) {
            loop.summary.failure = std::move(begun).error();
            return std::move(loop.summary);
        }
    }
    for (loop.epoch = start.epoch; loop.epoch < m_options.epochs; ++loop.epoch) {
        const int64_t first = loop.epoch == start.epoch ? start.batch : 0;
        if (!trainEpoch(loop, first, test, sink))
            break;
    }
    if (strategy) {
        if (Result ended = strategy->end(); !ended && !loop.summary.failure)
            loop.summary.failure = std::move(ended).error();
    }
    loop.summary.trainSeconds = loop.trainSeconds;
    loop.summary.samplesPerSecond = double(loop.samplesSeen) / std::max(loop.trainSeconds, 1e-9);
    return std::move(loop.summary);
}

bool Trainer::trainEpoch(Loop& loop, int64_t first, const data::Dataset* test, MetricSink& sink)
{
    m_model.setTraining(true);
    loop.batcher.startEpoch(loop.epoch);
    loop.epochStart = Clock::now();
    loop.epochSamples = 0;
    bool carryOn = true;
    for (int64_t b = first; b < loop.stepsPerEpoch && carryOn; ++b) {
        if (sink.cancelled()) {
            // The state before batch b is complete: a resumed run continues with it.
            loop.summary.cancelled = true;
            if (checkpointing())
                checkpoint(loop, loop.epoch, b);
            carryOn = false;
            break;
        }
        const std::optional<float> stepped = trainStep(loop, b);
        if (!stepped) {
            carryOn = false;
            break;
        }
        const float learningRate = *stepped;
        if (loop.lossCount == m_options.logEvery || b + 1 == loop.stepsPerEpoch)
            logLoss(loop, b + 1, learningRate, sink);
        // The epoch's last step is saved after its evaluation, below.
        if (checkpointing() && loop.summary.steps % m_options.checkpointEvery == 0
            && b + 1 < loop.stepsPerEpoch)
            carryOn = checkpoint(loop, loop.epoch, b + 1);
    }
    m_backend.synchronize();
    const double epochSeconds = secondsSince(loop.epochStart);
    loop.trainSeconds += epochSeconds;
    loop.samplesSeen += loop.epochSamples;
    if (!carryOn)
        return false;
    evaluateEpoch(loop, epochSeconds, test, sink);
    return !checkpointing() || checkpoint(loop, loop.epoch + 1, 0);
}

std::optional<float> Trainer::trainStep(Loop& loop, int64_t batch)
{
    const auto started = Clock::now();
    loop.batcher.fill(batch, m_backend, loop.features, loop.labels);
    const auto filled = Clock::now();
    const Tensor& logits = m_model.forward(loop.features);
    if (loop.lossGrad.empty() || loop.lossGrad.rows() != logits.rows())
        loop.lossGrad = Tensor(m_backend, { logits.rows(), logits.cols() });
    const float loss = m_backend.softmaxCrossEntropy(logits, loop.labels, &loop.lossGrad);
    UpdateStrategy* strategy = m_options.strategy;
    const double commBefore = strategy ? strategy->communicationSeconds() : 0.0;
    float learningRate = 0;
    const auto applyLocally = [&] {
        learningRate = applyUpdate(*m_optimizer, m_options.optimizer, loop.totalSteps);
    };
    const StepInfo info { loop.summary.steps, loop.epoch, loop.batcher.rowsInBatch(batch),
                          loop.batcher.rowsInGlobalBatch(batch) };
    if (strategy)
        strategy->beginStep(info);
    m_model.backward(loop.lossGrad);
    if (!strategy) {
        applyLocally();
    } else {
        // The schedule's rate of this step, for the metrics, also where a server applies it.
        learningRate =
                nn::learningRateAt(m_options.optimizer.schedule, m_options.optimizer.learningRate,
                                   loop.summary.steps, loop.totalSteps);
        if (Result updated = strategy->update(info, applyLocally); !updated) {
            loop.summary.failure = std::move(updated).error().wrap(
                    "step " + std::to_string(loop.summary.steps + 1));
            return std::nullopt;
        }
    }
    const double comm = strategy ? strategy->communicationSeconds() - commBefore : 0.0;
    loop.dataSeconds += std::chrono::duration<double>(filled - started).count();
    loop.commSeconds += comm;
    loop.computeSeconds += std::max(0.0, secondsSince(filled) - comm);
    ++loop.summary.steps;
    ++loop.stepsRun;
    loop.epochSamples += loop.features.rows();
    loop.lossSum += loss;
    ++loop.lossCount;
    return learningRate;
}

void Trainer::logLoss(Loop& loop, int64_t stepInEpoch, float learningRate, MetricSink& sink)
{
    TrainSummary& s = loop.summary;
    s.lastTrainLoss = loop.lossSum / double(loop.lossCount);
    sink.onMetric("train_loss", s.steps, s.lastTrainLoss);
    sink.onMetric("learning_rate", s.steps, learningRate);
    const double perStepMs = 1000.0 / double(loop.lossCount);
    sink.onMetric("time_data_ms", s.steps, loop.dataSeconds * perStepMs);
    sink.onMetric("time_compute_ms", s.steps, loop.computeSeconds * perStepMs);
    sink.onMetric("time_comm_ms", s.steps, loop.commSeconds * perStepMs);
    loop.dataSeconds = loop.computeSeconds = loop.commSeconds = 0;
    const double elapsed = loop.trainSeconds + secondsSince(loop.epochStart);
    Progress p;
    p.epoch = loop.epoch;
    p.epochs = m_options.epochs;
    p.step = s.steps;
    p.stepsPerEpoch = loop.stepsPerEpoch;
    p.stepInEpoch = stepInEpoch;
    p.loss = s.lastTrainLoss;
    p.samplesPerSecond = double(loop.samplesSeen + loop.epochSamples) / std::max(elapsed, 1e-9);
    p.etaSeconds = elapsed / double(loop.stepsRun) * double(loop.totalSteps - s.steps);
    sink.onProgress(p);
    loop.lossSum = 0;
    loop.lossCount = 0;
}

void Trainer::evaluateEpoch(Loop& loop, double epochSeconds, const data::Dataset* test,
                            MetricSink& sink)
{
    TrainSummary& s = loop.summary;
    s.epochsDone = loop.epoch + 1;
    sink.onMetric("samples_per_second", s.steps,
                  double(loop.epochSamples) / std::max(epochSeconds, 1e-9));
    if (test) {
        s.test = evaluate(*test);
        sink.onMetric("test_loss", s.steps, s.test.loss);
        sink.onMetric("test_accuracy", s.steps, s.test.accuracy);
        sink.onEvaluation(s.steps, s.test.report);
    }
}

bool Trainer::checkpoint(Loop& loop, int epoch, int64_t nextBatch)
{
    const std::string where = "saving the checkpoint of step " + std::to_string(loop.summary.steps);
    if (m_options.beforeCheckpoint) {
        if (Result ready = m_options.beforeCheckpoint(); !ready) {
            loop.summary.failure = std::move(ready).error().wrap(where);
            return false;
        }
    }
    if (Result saved =
                nn::saveCheckpoint(m_options.checkpointPath, capture(loop, epoch, nextBatch));
        !saved) {
        loop.summary.failure = std::move(saved).error().wrap(where);
        return false;
    }
    if (m_options.afterCheckpoint) {
        if (Result sent = m_options.afterCheckpoint(loop.summary.steps); !sent) {
            loop.summary.failure = std::move(sent).error().wrap(where);
            return false;
        }
    }
    return true;
}

nn::CheckpointState Trainer::capture(const Loop& loop, int epoch, int64_t nextBatch) const
{
    nn::CheckpointState state;
    state.modelSpec = m_options.modelSpecJson;
    state.parameters = nn::captureTensors(nn::parametersOf(m_model));
    state.buffers = nn::captureTensors(m_model.buffers());
    state.optimizerState = nn::captureTensors(m_optimizer->state());
    state.optimizerType = m_options.optimizer.type;
    state.optimizerStep = m_optimizer->stepCount();
    state.globalStep = loop.summary.steps;
    state.epoch = epoch;
    state.batchInEpoch = nextBatch;
    state.seed = m_options.seed;
    for (const nn::Dropout* dropout : m_dropouts) {
        state.counters.emplace_back(dropout->name(), dropout->calls());
        state.counters.emplace_back(dropout->name() + SeedSuffix, dropout->seed());
    }
    state.counters.emplace_back(LossSumCounter, std::bit_cast<uint64_t>(loop.lossSum));
    state.counters.emplace_back(LossCountCounter, static_cast<uint64_t>(loop.lossCount));
    return state;
}

Evaluation Trainer::evaluate(const data::Dataset& data)
{
    // The training batch size: every layer's buffers (im2col columns above all) are already
    // sized for it, so evaluation allocates nothing and peak memory stays that of training.
    const int64_t EvalBatch = m_options.batchSize;
    m_model.setTraining(false);
    data::Batcher batcher(data, EvalBatch, 0, /*shuffle=*/false);
    batcher.startEpoch(0);
    Tensor features, labels;
    Evaluation result;
    double lossSum = 0;
    std::optional<ReportBuilder> report;
    for (int64_t b = 0; b < batcher.batchCount(); ++b) {
        batcher.fill(b, m_backend, features, labels);
        const Tensor& logits = m_model.forward(features);
        lossSum += double(m_backend.softmaxCrossEntropy(logits, labels, nullptr)) * features.rows();
        // Predictions come to the host for the confusion matrix: rows x classes floats per
        // batch, small next to the forward pass.
        const std::vector<float> scores = logits.toHost();
        const int64_t classes = logits.cols();
        if (!report)
            report.emplace(classes);
        report->addScores(scores, data.labels.data() + b * EvalBatch);
        result.rows += features.rows();
    }
    if (result.rows > 0) {
        result.report = report->finish();
        result.loss = lossSum / double(result.rows);
        result.accuracy = result.report.accuracy;
    }
    return result;
}

} // namespace ts::train
