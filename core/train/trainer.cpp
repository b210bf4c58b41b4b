#include "train/trainer.h"

#include "data/batcher.h"
#include "nn/grad_clip.h"

#include <algorithm>
#include <chrono>
#include <optional>

namespace ts::train {

using Clock = std::chrono::steady_clock;
using tensor::Tensor;

namespace {

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

} // namespace

Trainer::Trainer(tensor::Backend& backend, nn::Sequential& model, TrainOptions options)
    : m_backend(backend)
    , m_model(model)
    , m_options(options)
{}

TrainSummary Trainer::fit(const data::Dataset& train, const data::Dataset* test, MetricSink& sink)
{
    TrainSummary summary;
    data::Batcher batcher(train, m_options.batchSize, m_options.seed);
    auto optimizer = nn::buildOptimizer(m_options.optimizer, m_model.parameters());
    Tensor features, labels, lossGrad;
    const int64_t stepsPerEpoch = batcher.batchCount();
    const int64_t totalSteps = stepsPerEpoch * m_options.epochs;
    double trainSeconds = 0;
    int64_t samplesSeen = 0;

    for (int epoch = 0; epoch < m_options.epochs && !summary.cancelled; ++epoch) {
        m_model.setTraining(true);
        batcher.startEpoch(epoch);
        const auto epochStart = Clock::now();
        int64_t epochSamples = 0;
        double lossSum = 0;
        int64_t lossCount = 0;
        for (int64_t b = 0; b < stepsPerEpoch; ++b) {
            if (sink.cancelled()) {
                summary.cancelled = true;
                break;
            }
            batcher.fill(b, m_backend, features, labels);
            const Tensor& logits = m_model.forward(features);
            if (lossGrad.empty() || lossGrad.rows() != logits.rows())
                lossGrad = Tensor(m_backend, { logits.rows(), logits.cols() });
            const float loss = m_backend.softmaxCrossEntropy(logits, labels, &lossGrad);
            m_model.backward(lossGrad);
            const float learningRate = applyUpdate(*optimizer, m_options.optimizer, totalSteps);
            ++summary.steps;
            epochSamples += features.rows();
            lossSum += loss;
            ++lossCount;
            if (lossCount == m_options.logEvery || b + 1 == stepsPerEpoch) {
                summary.lastTrainLoss = lossSum / double(lossCount);
                sink.onMetric("train_loss", summary.steps, summary.lastTrainLoss);
                sink.onMetric("learning_rate", summary.steps, learningRate);
                const double elapsed = trainSeconds + secondsSince(epochStart);
                Progress p;
                p.epoch = epoch;
                p.epochs = m_options.epochs;
                p.step = summary.steps;
                p.stepsPerEpoch = stepsPerEpoch;
                p.stepInEpoch = b + 1;
                p.loss = summary.lastTrainLoss;
                p.samplesPerSecond = double(samplesSeen + epochSamples) / std::max(elapsed, 1e-9);
                p.etaSeconds = elapsed / double(summary.steps) * double(totalSteps - summary.steps);
                sink.onProgress(p);
                lossSum = 0;
                lossCount = 0;
            }
        }
        m_backend.synchronize();
        const double epochSeconds = secondsSince(epochStart);
        trainSeconds += epochSeconds;
        samplesSeen += epochSamples;
        if (summary.cancelled)
            break;
        summary.epochsDone = epoch + 1;
        sink.onMetric("samples_per_second", summary.steps,
                      double(epochSamples) / std::max(epochSeconds, 1e-9));
        if (test) {
            summary.test = evaluate(*test);
            sink.onMetric("test_loss", summary.steps, summary.test.loss);
            sink.onMetric("test_accuracy", summary.steps, summary.test.accuracy);
            sink.onEvaluation(summary.steps, summary.test.report);
        }
    }
    summary.trainSeconds = trainSeconds;
    summary.samplesPerSecond = double(samplesSeen) / std::max(trainSeconds, 1e-9);
    return summary;
}

Evaluation Trainer::evaluate(const data::Dataset& data)
{
    // Large batches: evaluation has no backward pass, so memory allows it and sgemm runs faster.
    constexpr int64_t EvalBatch = 1000;
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
        for (int64_t i = 0; i < features.rows(); ++i) {
            const float* row = scores.data() + i * classes;
            const int64_t predicted = std::max_element(row, row + classes) - row;
            const auto actual = static_cast<int64_t>(data.labels[size_t(b * EvalBatch + i)]);
            report->add(actual, predicted);
        }
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
