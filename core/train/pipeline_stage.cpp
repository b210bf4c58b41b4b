#include "train/pipeline_stage.h"

#include "data/batcher.h"
#include "dist/data_plane.h"
#include "nn/dropout.h"
#include "nn/grad_clip.h"
#include "nn/lr_schedule.h"
#include "train/evaluation.h"

#include <algorithm>
#include <numeric>
#include <optional>

namespace ts::train {

using common::Error;
using common::ErrorKind;
using common::Result;
using Clock = std::chrono::steady_clock;
using tensor::Tensor;

common::Expected<std::vector<size_t>> balanceStages(const nn::Sequential& model, int stages)
{
    const auto& layers = model.layers();
    std::vector<int64_t> sizes;
    for (const auto& layer : layers) {
        int64_t n = 0;
        for (const nn::Parameter* p : layer->parameters())
            n += p->value.size();
        sizes.push_back(n);
    }
    const auto weighted =
            size_t(std::count_if(sizes.begin(), sizes.end(), [](int64_t n) { return n > 0; }));
    if (stages < 1 || weighted < size_t(stages))
        return Error(ErrorKind::InvalidInput,
                     "a network with " + std::to_string(weighted)
                             + " layers of parameters cannot be split into "
                             + std::to_string(stages) + " pipeline stages");
    const int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t { 0 });
    std::vector<size_t> firsts { 0 };
    int64_t sum = 0;
    size_t weightedSeen = 0;
    for (size_t l = 0; l < layers.size(); ++l) {
        const int stage = int(firsts.size()) - 1;
        const int stagesLeft = stages - stage - 1;
        // Cut before a layer with parameters when this stage is nearer its share without it
        // than with it, keeping one such layer for each stage after it.
        const int64_t target = total * (stage + 1) / stages;
        if (sizes[l] > 0 && stagesLeft > 0 && l > firsts.back()
            && (sum >= target || target - sum < sum + sizes[l] - target
                || weighted - weightedSeen == size_t(stagesLeft)))
            firsts.push_back(l);
        if (sizes[l] > 0)
            ++weightedSeen;
        sum += sizes[l];
    }
    return firsts;
}

struct PipelineStage::Private
{
    tensor::Backend& backend;
    nn::Sequential& model;
    dist::DataPlane& plane;
    std::vector<size_t> firsts;
    PipelineOptions options;
    int stage = 0;
    int stages = 1;
    size_t first = 0, end = 0; // this stage's layers
    std::vector<nn::Parameter*> parameters {};
    std::unique_ptr<nn::Optimizer> optimizer {};
    std::vector<std::vector<float>> accumulated {}; // per parameter, over the micro-batches
    double commSeconds = 0;

    bool isFirst() const { return stage == 0; }
    // The rank of stage `k` (see PipelineOptions::lastStageOnRankZero).
    int rankOf(int k) const { return options.lastStageOnRankZero ? stages - 1 - k : k; }
    bool isLast() const { return stage == stages - 1; }

    const Tensor& forward(const Tensor& input)
    {
        const Tensor* x = &input;
        for (size_t l = first; l < end; ++l)
            x = &model.layers()[l]->forward(*x);
        return *x;
    }
    const Tensor& backward(const Tensor& grad)
    {
        const Tensor* g = &grad;
        for (size_t l = end; l-- > first;)
            g = &model.layers()[l]->backward(*g, l > first || !isFirst());
        return *g;
    }

    // A tensor to the next (+1) or previous (-1) stage: its shape, then its values.
    Result sendTo(int peer, const std::string& tag, const Tensor& t)
    {
        const auto started = Clock::now();
        std::vector<float> shape;
        for (int64_t dim : t.shape())
            shape.push_back(float(dim));
        TS_TRY(plane.send(peer, tag + " shape", shape));
        Result sent = plane.send(peer, tag, t.toHost());
        commSeconds += std::chrono::duration<double>(Clock::now() - started).count();
        return sent;
    }
    common::Expected<Tensor> receiveFrom(int peer, const std::string& tag)
    {
        const auto started = Clock::now();
        auto shape = plane.receive(peer, tag + " shape", options.timeout);
        TS_TRY(shape);
        auto values = plane.receive(peer, tag, options.timeout);
        TS_TRY(values);
        commSeconds += std::chrono::duration<double>(Clock::now() - started).count();
        tensor::Shape dims;
        int64_t count = 1;
        for (float v : shape->values) {
            dims.push_back(int64_t(v));
            count *= int64_t(v);
        }
        if (count != int64_t(values->values.size()))
            return Error(ErrorKind::InvalidInput,
                         "rank " + std::to_string(peer) + " sent a '" + tag + "' of "
                                 + std::to_string(values->values.size()) + " values for its shape");
        Tensor t(backend, dims);
        t.upload(values->values);
        return t;
    }
};

PipelineStage::PipelineStage(tensor::Backend& backend, nn::Sequential& model,
                             dist::DataPlane& plane, std::vector<size_t> firsts,
                             PipelineOptions options)
    : d(std::make_unique<Private>(
            Private { backend, model, plane, std::move(firsts), std::move(options) }))
{
    d->stages = plane.worldSize();
    d->stage = d->options.lastStageOnRankZero ? d->stages - 1 - plane.rank() : plane.rank();
    d->first = d->firsts[size_t(d->stage)];
    d->end = d->stage + 1 < int(d->firsts.size()) ? d->firsts[size_t(d->stage + 1)]
                                                  : model.layers().size();
    for (size_t l = d->first; l < d->end; ++l)
        for (nn::Parameter* p : model.layers()[l]->parameters())
            d->parameters.push_back(p);
    d->optimizer = nn::buildOptimizer(d->options.optimizer, d->parameters);
    for (const nn::Parameter* p : d->parameters)
        d->accumulated.emplace_back(size_t(p->grad.size()), 0.0f);
}

PipelineStage::~PipelineStage() = default;

TrainSummary PipelineStage::fit(const data::Dataset& train, const data::Dataset* test,
                                MetricSink& sink)
{
    Private& s = *d;
    TrainSummary summary;
    const int micro = s.options.microBatches;
    for (size_t l = s.first; l < s.end; ++l)
        if (dynamic_cast<const nn::Dropout*>(s.model.layers()[l].get())) {
            summary.failure = Error(ErrorKind::InvalidInput,
                                    "pipeline stages recompute their forward passes, which would "
                                    "draw new dropout masks: train a model without dropout");
            return summary;
        }
    if (s.options.batchSize % micro != 0) {
        summary.failure = Error(ErrorKind::InvalidInput,
                                "a batch of " + std::to_string(s.options.batchSize)
                                        + " rows cannot be cut into " + std::to_string(micro)
                                        + " equal micro-batches");
        return summary;
    }
    // Micro-batch m of batch b is slice m of the batch (data/batcher.h): the batch's rows are
    // exactly those the unsplit network takes.
    std::vector<std::unique_ptr<data::Batcher>> slices;
    for (int m = 0; m < micro; ++m) {
        slices.push_back(std::make_unique<data::Batcher>(train, s.options.batchSize / micro,
                                                         s.options.seed));
        slices.back()->setSlice(m, micro);
    }
    const int64_t stepsPerEpoch = slices[0]->batchCount();
    const int64_t totalSteps = stepsPerEpoch * s.options.epochs;
    const nn::OptimizerSpec& spec = s.options.optimizer;
    // Per micro-batch: its features (first stage) or the activation received, and its labels.
    std::vector<Tensor> inputs(static_cast<size_t>(micro)), labels(static_cast<size_t>(micro));
    Tensor lossGrad;
    double lossSum = 0, dataSeconds = 0, computeSeconds = 0, commAtWindow = 0;
    int64_t lossCount = 0;
    const auto fail = [&](Error error) {
        summary.failure = std::move(error).wrap("pipeline stage " + std::to_string(s.stage)
                                                + ", step " + std::to_string(summary.steps + 1));
        return std::move(summary);
    };
    const auto trainStart = Clock::now();
    for (int epoch = 0; epoch < s.options.epochs; ++epoch) {
        s.model.setTraining(true);
        for (auto& slice : slices)
            slice->startEpoch(epoch);
        for (int64_t b = 0; b < stepsPerEpoch; ++b) {
            if (sink.cancelled()) {
                summary.cancelled = true;
                return summary;
            }
            const auto stepStart = Clock::now();
            const double commBefore = s.commSeconds;
            const std::string step = std::to_string(summary.steps);
            const int64_t batchRows = slices[0]->rowsInGlobalBatch(b);
            // Forward, every micro-batch.
            for (int m = 0; m < micro; ++m) {
                const std::string tag = "a " + step + " " + std::to_string(m);
                const auto filled = Clock::now();
                // The labels (for the last stage) and, in the first stage, the features.
                if (!s.isFirst() && !inputs[size_t(m)].empty())
                    inputs[size_t(m)] = Tensor();
                slices[size_t(m)]->fill(b, s.backend, inputs[size_t(m)], labels[size_t(m)]);
                dataSeconds += std::chrono::duration<double>(Clock::now() - filled).count();
                if (!s.isFirst()) {
                    auto received = s.receiveFrom(s.rankOf(s.stage - 1), tag);
                    if (!received)
                        return fail(received.error());
                    inputs[size_t(m)] = std::move(*received);
                }
                const Tensor& out = s.forward(inputs[size_t(m)]);
                if (!s.isLast())
                    if (Result sent = s.sendTo(s.rankOf(s.stage + 1), tag, out); !sent)
                        return fail(sent.error());
            }
            // Backward, every micro-batch, each after recomputing its forward pass.
            for (auto& acc : s.accumulated)
                std::fill(acc.begin(), acc.end(), 0.0f);
            for (int m = micro; m-- > 0;) {
                const std::string tag = "g " + step + " " + std::to_string(m);
                const Tensor& out = s.forward(inputs[size_t(m)]);
                const Tensor* grad = nullptr;
                Tensor received;
                if (s.isLast()) {
                    if (lossGrad.empty() || lossGrad.shape() != out.shape())
                        lossGrad = Tensor(s.backend, out.shape());
                    lossSum +=
                            double(s.backend.softmaxCrossEntropy(out, labels[size_t(m)], &lossGrad))
                            * double(out.rows()) / double(batchRows);
                    grad = &lossGrad;
                } else {
                    auto got = s.receiveFrom(s.rankOf(s.stage + 1), tag);
                    if (!got)
                        return fail(got.error());
                    received = std::move(*got);
                    grad = &received;
                }
                const Tensor& inputGrad = s.backward(*grad);
                if (!s.isFirst())
                    if (Result sent = s.sendTo(s.rankOf(s.stage - 1), tag, inputGrad); !sent)
                        return fail(sent.error());
                const float weight = float(double(inputs[size_t(m)].rows()) / double(batchRows));
                for (size_t i = 0; i < s.parameters.size(); ++i) {
                    const std::vector<float> g = s.parameters[i]->grad.toHost();
                    std::vector<float>& acc = s.accumulated[i];
                    for (size_t k = 0; k < g.size(); ++k)
                        acc[k] += weight * g[k];
                }
            }
            for (size_t i = 0; i < s.parameters.size(); ++i)
                s.parameters[i]->grad.upload(s.accumulated[i]);
            const float rate = nn::learningRateAt(spec.schedule, spec.learningRate,
                                                  s.optimizer->stepCount(), totalSteps);
            s.optimizer->setLearningRate(rate);
            if (spec.clipNorm > 0)
                nn::clipGradientNorm(s.parameters, spec.clipNorm);
            s.optimizer->step();
            ++summary.steps;
            ++lossCount;
            computeSeconds += std::chrono::duration<double>(Clock::now() - stepStart).count()
                    - (s.commSeconds - commBefore);
            if (lossCount == s.options.logEvery || b + 1 == stepsPerEpoch) {
                const double perStep = 1000.0 / double(lossCount);
                if (s.isLast()) {
                    summary.lastTrainLoss = lossSum / double(lossCount);
                    sink.onMetric("train_loss", summary.steps, summary.lastTrainLoss);
                    sink.onMetric("learning_rate", summary.steps, rate);
                }
                sink.onMetric("time_data_ms", summary.steps, dataSeconds * perStep);
                sink.onMetric("time_compute_ms", summary.steps,
                              std::max(0.0, computeSeconds - dataSeconds) * perStep);
                sink.onMetric("time_comm_ms", summary.steps,
                              (s.commSeconds - commAtWindow) * perStep);
                lossSum = dataSeconds = computeSeconds = 0;
                commAtWindow = s.commSeconds;
                lossCount = 0;
            }
        }
        summary.epochsDone = epoch + 1;
        if (test) {
            auto evaluated = evaluatePipelined(*test);
            if (!evaluated)
                return fail(evaluated.error());
            if (s.isLast()) {
                summary.test = std::move(*evaluated);
                sink.onMetric("test_loss", summary.steps, summary.test.loss);
                sink.onMetric("test_accuracy", summary.steps, summary.test.accuracy);
                sink.onEvaluation(summary.steps, summary.test.report);
            }
        }
    }
    summary.trainSeconds = std::chrono::duration<double>(Clock::now() - trainStart).count();
    summary.samplesPerSecond =
            double(train.rows) * s.options.epochs / std::max(summary.trainSeconds, 1e-9);
    return summary;
}

common::Expected<Evaluation> PipelineStage::evaluatePipelined(const data::Dataset& test)
{
    Private& s = *d;
    s.model.setTraining(false);
    data::Batcher batcher(test, s.options.batchSize, 0, /*shuffle=*/false);
    batcher.startEpoch(0);
    Tensor features, labels;
    Evaluation result;
    std::optional<ReportBuilder> report;
    double lossSum = 0;
    for (int64_t b = 0; b < batcher.batchCount(); ++b) {
        const std::string tag = "e " + std::to_string(b);
        batcher.fill(b, s.backend, features, labels);
        Tensor received;
        const Tensor* input = &features;
        if (!s.isFirst()) {
            auto got = s.receiveFrom(s.rankOf(s.stage - 1), tag);
            TS_TRY(got);
            received = std::move(*got);
            input = &received;
        }
        const Tensor& out = s.forward(*input);
        if (!s.isLast()) {
            TS_TRY(s.sendTo(s.rankOf(s.stage + 1), tag, out));
            continue;
        }
        lossSum += double(s.backend.softmaxCrossEntropy(out, labels, nullptr)) * out.rows();
        const std::vector<float> scores = out.toHost();
        const int64_t classes = out.cols();
        if (!report)
            report.emplace(classes);
        report->addScores(scores, test.labels.data() + b * s.options.batchSize);
        result.rows += out.rows();
    }
    if (s.isLast() && result.rows > 0) {
        result.report = report->finish();
        result.loss = lossSum / double(result.rows);
        result.accuracy = result.report.accuracy;
    }
    s.model.setTraining(true);
    return result;
}

} // namespace ts::train
