#include "pipeline/pipeline_parser.h"

#include "pipeline/object_reader.h"
#include "pipeline/stage_readers.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace ts::pipeline {

using common::Error;
using common::ErrorKind;
using common::Expected;
using common::Result;
using nlohmann::json;

namespace {

using namespace detail;

// A JSON array of positive integers (layer widths, blocks per stage).
std::vector<int64_t> readCounts(ObjectReader& object, const std::string& key, bool required,
                                int64_t max)
{
    const json* value = required ? &object.required(key) : object.optional(key);
    std::vector<int64_t> counts;
    if (!value)
        return counts;
    if (!value->is_array() || (required && value->empty()))
        throw FieldError { object.pathOf(key),
                           required ? "must be a non-empty array of integers"
                                    : "must be an array of integers" };
    for (size_t i = 0; i < value->size(); ++i) {
        const json& n = (*value)[i];
        if (!n.is_number_integer() || n.get<int64_t>() < 1 || n.get<int64_t>() > max)
            throw FieldError { object.pathOf(key) + "[" + std::to_string(i) + "]",
                               "must be an integer between 1 and " + std::to_string(max) };
        counts.push_back(n.get<int64_t>());
    }
    return counts;
}

std::vector<nn::ConvSpec> readConvolutions(ObjectReader& model)
{
    const json& list = model.required("conv");
    if (!list.is_array() || list.empty())
        throw FieldError { model.pathOf("conv"),
                           "must be a non-empty array of convolutions, "
                           "e.g. [{\"filters\": 32, \"kernel\": 5}]" };
    std::vector<nn::ConvSpec> convolutions;
    for (size_t i = 0; i < list.size(); ++i) {
        ObjectReader conv(list[i], model.pathOf("conv") + "[" + std::to_string(i) + "]");
        const int64_t three = 3, one = 1, zero = 0;
        nn::ConvSpec c;
        c.filters = conv.integer("filters", 1, 65536, nullptr);
        c.kernel = conv.integer("kernel", 1, 64, &three);
        c.stride = conv.integer("stride", 1, 64, &one);
        c.padding = conv.integer("padding", 0, 64, &zero);
        conv.finish();
        convolutions.push_back(c);
    }
    return convolutions;
}

nn::ModelSpec readModel(ObjectReader& train)
{
    ObjectReader model(train.required("model"), train.pathOf("model"));
    nn::ModelSpec spec;
    std::vector<std::string> types = nn::knownModelTypes();
    types.push_back("random_forest"); // read by readForest
    spec.type = model.choice("type", types);
    constexpr int64_t MaxWidth = 1'000'000;
    if (spec.type == "mlp" || spec.type == "cnn") {
        spec.hidden = readCounts(model, "hidden", spec.type == "mlp", MaxWidth);
        spec.dropout = static_cast<float>(model.number("dropout", 0.0, 0.99, 0.0));
    }
    if (spec.type == "cnn") {
        spec.conv = readConvolutions(model);
        const std::string max = "max";
        spec.pool = model.choice("pool", { "max", "avg", "none" }, &max);
        const int64_t two = 2;
        spec.poolSize = model.integer("poolSize", 1, 64, &two);
        spec.batchNorm = readFlag(model, "batchNorm", false);
    }
    if (spec.type == "resnet") {
        spec.blocks = readCounts(model, "blocks", true, 64);
        const int64_t sixteen = 16;
        spec.width = model.integer("width", 1, 4096, &sixteen);
    }
    const std::string he = "he";
    spec.init = model.choice("init", { "he", "xavier" }, &he) == "he" ? nn::InitScheme::He
                                                                      : nn::InitScheme::Xavier;
    model.finish();
    return spec;
}

// A field of another optimizer or schedule type is a mistake, not something to ignore.
void rejectField(const ObjectReader& reader, const std::string& key, const std::string& owner)
{
    if (reader.has(key))
        throw FieldError { reader.pathOf(key), "only for " + owner };
}

nn::ScheduleSpec readSchedule(ObjectReader& optimizer, double learningRate)
{
    nn::ScheduleSpec schedule;
    const json* value = optimizer.optional("schedule");
    if (!value)
        return schedule;
    ObjectReader reader(*value, optimizer.pathOf("schedule"));
    schedule.type = reader.choice("type", nn::knownScheduleTypes());
    if (schedule.type != "step") {
        rejectField(reader, "stepSize", "step schedules");
        rejectField(reader, "gamma", "step schedules");
    }
    if (schedule.type != "cosine")
        rejectField(reader, "minLearningRate", "cosine schedules");
    if (schedule.type == "step") {
        schedule.stepSize = reader.integer("stepSize", 1, 1'000'000'000, nullptr);
        schedule.gamma = static_cast<float>(reader.number("gamma", 0.0, 1.0, 0.1, true));
    } else if (schedule.type == "cosine") {
        const double low = reader.number("minLearningRate", 0.0, 100.0, 0.0);
        if (low > learningRate) {
            std::ostringstream text;
            text << "must be <= learningRate (" << learningRate << "), got " << low;
            throw FieldError { reader.pathOf("minLearningRate"), text.str() };
        }
        schedule.minLearningRate = static_cast<float>(low);
    }
    const int64_t noWarmup = 0;
    schedule.warmupSteps = reader.integer("warmupSteps", 0, 1'000'000'000, &noWarmup);
    reader.finish();
    return schedule;
}

nn::OptimizerSpec readOptimizer(ObjectReader& train)
{
    ObjectReader optimizer(train.required("optimizer"), train.pathOf("optimizer"));
    nn::OptimizerSpec spec;
    spec.type = optimizer.choice("type", nn::knownOptimizerTypes());
    const bool sgd = spec.type == "sgd";
    for (const char* key : { "momentum", "nesterov" })
        if (!sgd)
            rejectField(optimizer, key, "sgd");
    for (const char* key : { "beta1", "beta2", "epsilon" })
        if (sgd)
            rejectField(optimizer, key, "adam and adamw");
    const double learningRate = optimizer.number("learningRate", 0.0, 100.0, 0.01, true);
    spec.learningRate = static_cast<float>(learningRate);
    if (sgd) {
        spec.momentum = static_cast<float>(optimizer.number("momentum", 0.0, 0.999999, 0.0));
        spec.nesterov = readFlag(optimizer, "nesterov", false);
        if (spec.nesterov && spec.momentum <= 0.0f)
            throw FieldError { optimizer.pathOf("nesterov"),
                               "needs momentum > 0; set momentum (e.g. 0.9) or remove nesterov" };
    } else {
        spec.beta1 = static_cast<float>(optimizer.number("beta1", 0.0, 0.999999, 0.9));
        spec.beta2 = static_cast<float>(optimizer.number("beta2", 0.0, 0.999999, 0.999));
        spec.epsilon = static_cast<float>(optimizer.number("epsilon", 0.0, 1.0, 1e-8, true));
    }
    // torch.optim.AdamW decays by default (0.01); SGD and Adam do not.
    const double defaultDecay = spec.type == "adamw" ? 0.01 : 0.0;
    spec.weightDecay = static_cast<float>(optimizer.number("weightDecay", 0.0, 1.0, defaultDecay));
    spec.schedule = readSchedule(optimizer, learningRate);
    spec.clipNorm = optimizer.number("clipNorm", 0.0, 100000.0, 0.0);
    optimizer.finish();
    return spec;
}

TrainSpec readTrain(ObjectReader& stage)
{
    TrainSpec train;
    const json& model = stage.required("model");
    if (model.is_object() && model.value("type", "") == "random_forest") {
        ObjectReader reader(model, stage.pathOf("model"));
        (void)reader.string("type");
        train.model.type = "random_forest";
        train.forest = readForest(reader);
        if (stage.has("optimizer"))
            throw FieldError { stage.pathOf("optimizer"), "a random forest has no optimizer" };
        if (stage.has("strategy"))
            throw FieldError { stage.pathOf("strategy"),
                               "a random forest splits its trees across the job's ranks; it "
                               "has no data-parallel strategy" };
        for (const char* key : { "epochs", "batchSize", "logEvery" })
            if (stage.has(key))
                throw FieldError { stage.pathOf(key),
                                   "a random forest is grown, not trained in epochs of batches" };
    } else {
        train.model = readModel(stage);
        train.optimizer = readOptimizer(stage);
    }
    const int64_t oneEpoch = 1, batch = 64, seed = 0, autoThreads = 0, logEvery = 50;
    train.epochs = static_cast<int>(stage.integer("epochs", 1, 100000, &oneEpoch));
    train.batchSize = stage.integer("batchSize", 1, 1 << 20, &batch);
    train.seed = static_cast<uint64_t>(stage.integer("seed", 0, INT64_MAX, &seed));
    train.threads = static_cast<int>(stage.integer("threads", 0, 1024, &autoThreads));
    train.logEvery = stage.integer("logEvery", 1, 1'000'000, &logEvery);
    const std::string automatic = "auto";
    train.device = tensor::deviceRequestFromName(
            stage.choice("device", tensor::deviceNames(), &automatic));
    train.strategy = detail::readStrategy(stage);
    if (train.strategy.kind == StrategySpec::Kind::Pipeline
        && train.batchSize % train.strategy.microBatches != 0)
        throw FieldError { stage.pathOf("strategy") + ".microBatches",
                           "must divide batchSize (" + std::to_string(train.batchSize) + ")" };
    if (train.strategy.kind == StrategySpec::Kind::ParameterServer && train.strategy.servers > 1
        && train.optimizer.clipNorm > 0)
        throw FieldError { stage.pathOf("optimizer") + ".clipNorm",
                           "clips the norm of all gradients together, but each of the "
                                   + std::to_string(train.strategy.servers)
                                   + " parameter servers holds only its own keys; use one "
                                     "server or no clipping" };
    stage.finish();
    return train;
}

EvaluateSpec readEvaluate(ObjectReader& stage, const std::string& path)
{
    EvaluateSpec evaluate;
    evaluate.enabled = true;
    evaluate.metrics = { "accuracy", "loss" };
    if (const json* metrics = stage.optional("metrics")) {
        if (!metrics->is_array() || metrics->empty())
            throw FieldError { path + ".metrics", "must be a non-empty array of metric names" };
        evaluate.metrics.clear();
        for (size_t i = 0; i < metrics->size(); ++i) {
            const json& m = (*metrics)[i];
            if (!m.is_string() || (m != "accuracy" && m != "loss"))
                throw FieldError { path + ".metrics[" + std::to_string(i) + "]",
                                   "unknown metric; expected one of: accuracy, loss" };
            evaluate.metrics.push_back(m.get<std::string>());
        }
    }
    stage.finish();
    return evaluate;
}

// The stages must come in life-cycle order, each kind at most once; source and train are needed.
void readStages(const json& stages, PipelineSpec& spec, const std::string& baseDir)
{
    static const std::vector<std::string> order { "source", "prep", "train", "evaluate" };
    if (!stages.is_array() || stages.empty())
        throw FieldError { "stages", "must be a non-empty array of stages" };
    size_t nextAllowed = 0;
    std::set<std::string> present;
    for (size_t i = 0; i < stages.size(); ++i) {
        const std::string path = "stages[" + std::to_string(i) + "]";
        if (!stages[i].is_object() || stages[i].size() != 1)
            throw FieldError { path,
                               "must be an object with exactly one key, the stage kind ("
                                       + joined(order) + ")" };
        const std::string kind = stages[i].begin().key();
        const auto position = std::find(order.begin(), order.end(), kind);
        if (position == order.end())
            throw FieldError { path + "." + kind,
                               "unknown stage kind; expected one of: " + joined(order) };
        const auto index = static_cast<size_t>(position - order.begin());
        if (index < nextAllowed)
            throw FieldError { path + "." + kind,
                               "stage out of order or repeated; stages run "
                               "in the order "
                                       + joined(order) };
        nextAllowed = index + 1;
        present.insert(kind);
        ObjectReader stage(stages[i].begin().value(), path + "." + kind);
        if (kind == "source")
            spec.source = readSource(stage, baseDir);
        else if (kind == "prep")
            spec.prep = readPrep(stage);
        else if (kind == "train")
            spec.train = readTrain(stage);
        else
            spec.evaluate = readEvaluate(stage, path + "." + kind);
    }
    for (const char* needed : { "source", "train" })
        if (!present.count(needed))
            throw FieldError { "stages", std::string("a '") + needed + "' stage is required" };
}

} // namespace

Expected<PipelineSpec> parsePipeline(const std::string& text, const std::string& origin,
                                     const std::string& baseDir)
{
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& e) {
        // Turn the byte offset into line:column, which editors understand.
        const size_t offset = std::min<size_t>(e.byte, text.size());
        const auto line = 1 + std::count(text.begin(), text.begin() + offset, '\n');
        const size_t lineStart = text.rfind('\n', offset ? offset - 1 : 0);
        const size_t column = lineStart == std::string::npos ? offset : offset - lineStart - 1;
        std::string what = e.what();
        what = what.substr(what.find("parse error") == std::string::npos ? 0 : what.find(':') + 2);
        return Error(ErrorKind::InvalidInput,
                     origin + ":" + std::to_string(line) + ":"
                             + std::to_string(std::max<size_t>(column, 1))
                             + ": JSON syntax error: " + what);
    }
    PipelineSpec spec;
    spec.origin = origin;
    spec.baseDir = baseDir;
    spec.text = text;
    try {
        ObjectReader top(root, "");
        const int64_t version = top.integer("trainstudio", 1, 1000, nullptr);
        if (version > SpecVersion)
            throw FieldError { "trainstudio",
                               "pipeline spec version " + std::to_string(version)
                                       + " is newer than this TrainStudio supports ("
                                       + std::to_string(SpecVersion) + ")" };
        spec.name = top.string("name");
        const std::string fallback = "default";
        spec.experiment = top.string("experiment", &fallback);
        readStages(top.required("stages"), spec, baseDir);
        top.finish();
    } catch (const FieldError& e) {
        return Error(ErrorKind::InvalidInput, origin + ": " + e.path + ": " + e.message);
    } catch (const json::exception& e) {
        return Error(ErrorKind::InvalidInput, origin + ": " + e.what());
    }
    return spec;
}

Expected<PipelineSpec> loadPipeline(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Error(
                ErrorKind::NotFound,
                path + ": cannot open the pipeline file ("
                        + (std::filesystem::exists(path) ? "permission denied" : "no such file")
                        + ")");
    std::ostringstream text;
    text << in.rdbuf();
    const auto baseDir = std::filesystem::absolute(path).parent_path().string();
    return parsePipeline(text.str(), path, baseDir);
}

} // namespace ts::pipeline
