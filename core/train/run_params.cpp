#include "train/run_params.h"

#include "train/pipeline_runner.h" // for RunStart

#include <filesystem>
#include <sstream>
#include <system_error>

namespace ts::train {

namespace {

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

// One parameter per fitted step and column ("prep.encode.city" = "one_hot"), so runs can be
// filtered and compared by their prep.
std::vector<std::pair<std::string, std::string>> transformParams(const pipeline::PrepSpec& prep)
{
    std::vector<std::pair<std::string, std::string>> params;
    for (const data::EncodeSpec& e : prep.encode)
        params.push_back({ "prep.encode." + e.column,
                           e.kind == data::EncodeKind::OneHot ? "one_hot" : "ordinal" });
    for (const data::ClipSpec& c : prep.clip)
        params.push_back({ "prep.clip." + c.column,
                           std::string(c.quantiles ? "quantiles " : "") + decimal(c.lower) + " "
                                   + decimal(c.upper) });
    for (const std::string& column : prep.log)
        params.push_back({ "prep.log." + column, "log1p" });
    for (const data::BucketizeSpec& b : prep.bucketize) {
        std::string bounds;
        for (double bound : b.bounds)
            bounds += (bounds.empty() ? "" : " ") + decimal(bound);
        params.push_back({ "prep.bucketize." + b.column,
                           b.quantiles > 0 ? std::to_string(b.quantiles) + " quantiles" : bounds });
    }
    return params;
}

} // namespace

std::vector<std::pair<std::string, std::string>> runParams(const pipeline::PipelineSpec& spec,
                                                           const RunStart& start)
{
    const auto& t = spec.train;
    std::string hidden;
    for (int64_t h : t.model.hidden)
        hidden += (hidden.empty() ? "" : ",") + std::to_string(h);
    // A resumed run resolves the relative data paths of its stored pipeline against this folder:
    // the one the pipeline was read with, else the pipeline file's.
    std::error_code ec;
    const auto baseDir = !spec.baseDir.empty()
            ? spec.baseDir
            : std::filesystem::absolute(spec.origin, ec).parent_path().string();
    std::vector<std::pair<std::string, std::string>> params {
        { "model.type", t.model.type },
        { "model.hidden", hidden },
        { "model.layers", start.model },
        { "model.parameters", std::to_string(start.parameters) },
        { "optimizer", t.optimizer.type },
        { "epochs", std::to_string(t.epochs) },
        { "batchSize", std::to_string(t.batchSize) },
        { "seed", std::to_string(t.seed) },
        { "checkpointEvery", std::to_string(start.checkpointEvery) },
        { "strategy", start.strategy.empty() ? "local" : start.strategy },
        { "pipeline.baseDir", baseDir },
        { "prep.scale", data::toString(spec.prep.scale) },
        { "prep.impute", data::toString(spec.prep.impute.strategy) },
        { "data.trainRows", std::to_string(start.trainRows) },
        { "data.testRows", std::to_string(start.testRows) },
        { "data.features", std::to_string(start.features) },
        { "data.classes", std::to_string(start.classes) },
    };
    if (spec.prep.impute.strategy == data::ImputeStrategy::Constant)
        params.push_back({ "prep.impute.value", decimal(spec.prep.impute.value) });
    for (size_t i = 0; i < spec.prep.derive.size(); ++i)
        params.push_back({ "prep.derive." + std::to_string(i), spec.prep.derive[i] });
    const auto prepParams = transformParams(spec.prep);
    params.insert(params.end(), prepParams.begin(), prepParams.end());
    const auto& source = spec.source;
    params.push_back({ "source.format",
                       source.format == pipeline::SourceFormat::Idx           ? "idx"
                               : source.format == pipeline::SourceFormat::Csv ? "csv"
                                                                              : "postgres" });
    if (!source.csv.selection.keepsEverything())
        params.push_back({ "source.selection", source.csv.selection.describe() });
    if (spec.source.holdout.enabled) {
        const auto& h = spec.source.holdout;
        const char* method = h.split.method == data::SplitSpec::Method::Stratified ? "stratified"
                : h.split.method == data::SplitSpec::Method::ByTime                ? "time"
                                                                                   : "random";
        params.push_back({ "source.split.test", decimal(h.split.test) });
        params.push_back({ "source.split.method", method });
        params.push_back({ "source.split.seed", std::to_string(h.split.seed) });
        if (!h.timeColumn.empty())
            params.push_back({ "source.split.timeColumn", h.timeColumn });
    }
    const auto optimizer = optimizerParams(t.optimizer);
    params.insert(params.end(), optimizer.begin(), optimizer.end());
    return params;
}

} // namespace ts::train
