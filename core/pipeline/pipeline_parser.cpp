#include "pipeline/pipeline_parser.h"

#include "common/spelling.h"
#include "data/expression.h"

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

// Thrown inside this file only, caught by parsePipeline: validation code reads straight down
// instead of checking a Result after every field.
struct FieldError
{
    std::string path;
    std::string message;
};

std::string joined(const std::vector<std::string>& words)
{
    std::string text;
    for (const auto& w : words)
        text += (text.empty() ? "" : ", ") + w;
    return text;
}

std::string typeName(const json& value)
{
    return value.is_number_integer() ? "an integer"
            : value.is_number()      ? "a number"
            : value.is_string()      ? "a string"
            : value.is_boolean()     ? "a boolean"
            : value.is_array()       ? "an array"
            : value.is_object()      ? "an object"
                                     : "null";
}

// A JSON object being validated: remembers its path ("stages[2].train") and the keys read, so
// leftovers (typos) are reported with a suggestion.
class ObjectReader
{
public:
    ObjectReader(const json& value, std::string path)
        : m_value(value)
        , m_path(std::move(path))
    {
        if (!value.is_object())
            throw FieldError { m_path, "must be an object, got " + typeName(value) };
    }

    std::string pathOf(const std::string& key) const
    {
        return m_path.empty() ? key : m_path + "." + key;
    }

    bool has(const std::string& key) const { return m_value.contains(key); }

    const json& required(const std::string& key)
    {
        m_seen.insert(key);
        if (!m_value.contains(key))
            throw FieldError { pathOf(key), "is required" };
        return m_value.at(key);
    }

    const json* optional(const std::string& key)
    {
        m_seen.insert(key);
        return m_value.contains(key) ? &m_value.at(key) : nullptr;
    }

    std::string string(const std::string& key, const std::string* fallback = nullptr)
    {
        const json* v = fallback ? optional(key) : &required(key);
        if (!v)
            return *fallback;
        if (!v->is_string() || v->get<std::string>().empty())
            throw FieldError { pathOf(key), "must be a non-empty string, got " + typeName(*v) };
        return v->get<std::string>();
    }

    std::string choice(const std::string& key, const std::vector<std::string>& allowed,
                       const std::string* fallback = nullptr)
    {
        const std::string value = string(key, fallback);
        if (std::find(allowed.begin(), allowed.end(), value) == allowed.end())
            throw FieldError {
                pathOf(key), "unknown value '" + value + "'; expected one of: " + joined(allowed)
            };
        return value;
    }

    int64_t integer(const std::string& key, int64_t min, int64_t max, const int64_t* fallback)
    {
        const json* v = fallback ? optional(key) : &required(key);
        if (!v)
            return *fallback;
        if (!v->is_number_integer())
            throw FieldError { pathOf(key), "must be an integer, got " + typeName(*v) };
        const auto n = v->get<int64_t>();
        if (n < min || n > max)
            throw FieldError { pathOf(key),
                               "must be between " + std::to_string(min) + " and "
                                       + std::to_string(max) + ", got " + std::to_string(n) };
        return n;
    }

    double number(const std::string& key, double min, double max, double fallback,
                  bool minExclusive = false)
    {
        const json* v = optional(key);
        if (!v)
            return fallback;
        if (!v->is_number())
            throw FieldError { pathOf(key), "must be a number, got " + typeName(*v) };
        const double x = v->get<double>();
        if (x < min || x > max || (minExclusive && x == min)) {
            std::ostringstream text;
            text << "must be " << (minExclusive ? "> " : ">= ") << min << " and <= " << max
                 << ", got " << x;
            throw FieldError { pathOf(key), text.str() };
        }
        return x;
    }

    // Every key must have been read: anything else is a typo or a field of a newer version.
    void finish() const
    {
        for (const auto& [key, value] : m_value.items()) {
            if (m_seen.count(key))
                continue;
            std::string hint;
            for (const auto& known : m_seen)
                if (common::editDistance(key, known) <= 2)
                    hint = " (did you mean '" + known + "'?)";
            if (hint.empty() && !m_seen.empty())
                hint = " (known fields: " + joined({ m_seen.begin(), m_seen.end() }) + ")";
            throw FieldError { pathOf(key), "unknown field" + hint };
        }
    }

private:
    const json& m_value;
    std::string m_path;
    std::set<std::string> m_seen;
};

std::string resolvePath(const std::string& file, const std::string& baseDir)
{
    std::filesystem::path p(file);
    return p.is_absolute() || baseDir.empty() ? file
                                              : (std::filesystem::path(baseDir) / p).string();
}

SplitFiles readSplit(ObjectReader& parent, const std::string& key, SourceFormat format,
                     const std::string& baseDir)
{
    ObjectReader split(parent.required(key), parent.pathOf(key));
    SplitFiles files;
    if (format == SourceFormat::Idx) {
        files.images = resolvePath(split.string("images"), baseDir);
        files.labels = resolvePath(split.string("labels"), baseDir);
    } else {
        files.images = resolvePath(split.string("file"), baseDir);
    }
    split.finish();
    return files;
}

HoldoutSpec readHoldout(ObjectReader& stage)
{
    ObjectReader split(stage.required("split"), stage.pathOf("split"));
    HoldoutSpec holdout;
    holdout.enabled = true;
    const double test = split.number("test", 0.0, 1.0, 0.2);
    if (test <= 0.0 || test >= 1.0)
        throw FieldError { split.pathOf("test"),
                           "must be between 0 and 1 (exclusive), the "
                           "fraction of rows held out for testing" };
    holdout.split.test = test;
    holdout.split.train = 1.0 - test;
    holdout.split.validation = 0.0;
    const std::string random = "random";
    const std::string method = split.choice("method", { "random", "stratified", "time" }, &random);
    holdout.split.method = method == "stratified" ? data::SplitSpec::Method::Stratified
            : method == "time"                    ? data::SplitSpec::Method::ByTime
                                                  : data::SplitSpec::Method::Random;
    if (method == "time")
        holdout.timeColumn = split.string("timeColumn");
    else if (split.has("timeColumn"))
        throw FieldError { split.pathOf("timeColumn"), "only for method \"time\"" };
    const int64_t zero = 0;
    holdout.split.seed = static_cast<uint64_t>(split.integer("seed", 0, INT64_MAX, &zero));
    split.finish();
    return holdout;
}

SourceSpec readSource(ObjectReader& stage, const std::string& baseDir)
{
    SourceSpec source;
    const std::string format = stage.choice("format", { "idx", "csv" });
    source.format = format == "idx" ? SourceFormat::Idx : SourceFormat::Csv;
    source.train = readSplit(stage, "train", source.format, baseDir);
    if (stage.has("split")) {
        if (stage.has("test"))
            throw FieldError { stage.pathOf("split"),
                               "give either a test file ('test') or a split, not both" };
        source.holdout = readHoldout(stage);
    } else {
        source.test = readSplit(stage, "test", source.format, baseDir);
    }
    if (source.format == SourceFormat::Csv) {
        const std::string label = "label", comma = ",";
        source.csv.labelColumn = stage.string("labelColumn", &label);
        const std::string delimiter = stage.string("delimiter", &comma);
        if (delimiter.size() != 1)
            throw FieldError { stage.pathOf("delimiter"), "must be a single character" };
        source.csv.delimiter = delimiter[0];
    }
    stage.finish();
    return source;
}

data::ImputeSpec readImpute(ObjectReader& stage)
{
    data::ImputeSpec impute;
    const json* value = stage.optional("impute");
    if (!value)
        return impute;
    ObjectReader reader(*value, stage.pathOf("impute"));
    const std::string strategy =
            reader.choice("strategy", { "mean", "median", "most_frequent", "constant" });
    impute.strategy = strategy == "mean"  ? data::ImputeStrategy::Mean
            : strategy == "median"        ? data::ImputeStrategy::Median
            : strategy == "most_frequent" ? data::ImputeStrategy::MostFrequent
                                          : data::ImputeStrategy::Constant;
    if (impute.strategy == data::ImputeStrategy::Constant) {
        if (!reader.has("value"))
            throw FieldError { reader.pathOf("value"), "is required for strategy constant" };
        const double limit = std::numeric_limits<float>::max();
        impute.value = static_cast<float>(reader.number("value", -limit, limit, 0.0));
    } else if (reader.has("value")) {
        throw FieldError { reader.pathOf("value"), "only for strategy constant" };
    }
    reader.finish();
    return impute;
}

PrepSpec readPrep(ObjectReader& stage)
{
    static const std::vector<std::string> kinds { "none", "unit", "min-max", "standardize" };
    const std::string none = "none";
    const std::string scale = stage.choice("scale", kinds, &none);
    PrepSpec prep;
    prep.scale = scale == "unit"     ? data::ScaleKind::Unit
            : scale == "min-max"     ? data::ScaleKind::MinMax
            : scale == "standardize" ? data::ScaleKind::Standardize
                                     : data::ScaleKind::None;
    if (const json* derive = stage.optional("derive")) {
        if (!derive->is_array())
            throw FieldError {
                stage.pathOf("derive"),
                "must be an array of definitions like \"bmi = weight / height ^ 2\""
            };
        for (size_t k = 0; k < derive->size(); ++k) {
            const std::string path = stage.pathOf("derive") + "[" + std::to_string(k) + "]";
            const json& definition = (*derive)[k];
            if (!definition.is_string())
                throw FieldError { path, "must be a string, got " + typeName(definition) };
            // Syntax is checked now; column names once the data is read.
            if (auto parsed = data::parseDefinition(definition.get<std::string>()); !parsed)
                throw FieldError { path, parsed.error().message() };
            prep.derive.push_back(definition.get<std::string>());
        }
    }
    prep.impute = readImpute(stage);
    stage.finish();
    return prep;
}

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

bool readFlag(ObjectReader& object, const std::string& key, bool fallback)
{
    const json* value = object.optional(key);
    if (!value)
        return fallback;
    if (!value->is_boolean())
        throw FieldError { object.pathOf(key), "must be true or false, got " + typeName(*value) };
    return value->get<bool>();
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
    spec.type = model.choice("type", nn::knownModelTypes());
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
    train.model = readModel(stage);
    train.optimizer = readOptimizer(stage);
    const int64_t oneEpoch = 1, batch = 64, seed = 0, autoThreads = 0, logEvery = 50;
    train.epochs = static_cast<int>(stage.integer("epochs", 1, 100000, &oneEpoch));
    train.batchSize = stage.integer("batchSize", 1, 1 << 20, &batch);
    train.seed = static_cast<uint64_t>(stage.integer("seed", 0, INT64_MAX, &seed));
    train.threads = static_cast<int>(stage.integer("threads", 0, 1024, &autoThreads));
    train.logEvery = stage.integer("logEvery", 1, 1'000'000, &logEvery);
    const std::string automatic = "auto";
    train.device = tensor::deviceRequestFromName(
            stage.choice("device", tensor::deviceNames(), &automatic));
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
