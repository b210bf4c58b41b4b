// The "prep" stage: derived columns and the transforms fitted on the training split.
#include "pipeline/stage_readers.h"

#include "data/expression.h"

#include <cmath>
#include <limits>

namespace ts::pipeline::detail {
namespace {

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

std::vector<std::string> readDerive(ObjectReader& stage)
{
    std::vector<std::string> definitions;
    const json* derive = stage.optional("derive");
    if (!derive)
        return definitions;
    if (!derive->is_array())
        throw FieldError { stage.pathOf("derive"),
                           "must be an array of definitions like \"bmi = weight / height ^ 2\"" };
    for (size_t k = 0; k < derive->size(); ++k) {
        const std::string path = stage.pathOf("derive") + "[" + std::to_string(k) + "]";
        const json& definition = (*derive)[k];
        if (!definition.is_string())
            throw FieldError { path, "must be a string, got " + typeName(definition) };
        // Syntax is checked now; column names once the data is read.
        if (auto parsed = data::parseDefinition(definition.get<std::string>()); !parsed)
            throw FieldError { path, parsed.error().message() };
        definitions.push_back(definition.get<std::string>());
    }
    return definitions;
}

// A JSON array of finite numbers, at least `min` of them.
std::vector<double> readNumbers(const json& value, const std::string& path, size_t min,
                                const std::string& what)
{
    if (!value.is_array() || value.size() < min)
        throw FieldError { path, "must be " + what + ", got " + typeName(value) };
    std::vector<double> numbers;
    for (size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_number() || !std::isfinite(value[i].get<double>()))
            throw FieldError { path + "[" + std::to_string(i) + "]",
                               "must be a number, got " + typeName(value[i]) };
        numbers.push_back(value[i].get<double>());
    }
    return numbers;
}

// "encode": { "city": "one_hot", "size": "ordinal", "grade": { "ordinal": ["low", "high"] } }
std::vector<data::EncodeSpec> readEncode(ObjectReader& stage)
{
    std::vector<data::EncodeSpec> encode;
    const json* value = stage.optional("encode");
    if (!value)
        return encode;
    ObjectReader reader(*value, stage.pathOf("encode"));
    for (const auto& [column, how] : value->items()) {
        data::EncodeSpec spec;
        spec.column = column;
        if (how.is_object()) {
            ObjectReader ordinal(reader.required(column), reader.pathOf(column));
            const json& order = ordinal.required("ordinal");
            const std::string path = ordinal.pathOf("ordinal");
            if (!order.is_array() || order.empty())
                throw FieldError { path, "must be a non-empty array of the categories in order" };
            for (size_t i = 0; i < order.size(); ++i) {
                if (!order[i].is_string())
                    throw FieldError { path + "[" + std::to_string(i) + "]",
                                       "must be a string, got " + typeName(order[i]) };
                spec.order.push_back(order[i].get<std::string>());
            }
            ordinal.finish();
            spec.kind = data::EncodeKind::Ordinal;
        } else {
            spec.kind = reader.choice(column, { "one_hot", "ordinal" }) == "one_hot"
                    ? data::EncodeKind::OneHot
                    : data::EncodeKind::Ordinal;
        }
        encode.push_back(std::move(spec));
    }
    reader.finish();
    return encode;
}

// "clip": { "income": [0, 250000], "age": { "quantiles": [0.01, 0.99] } }
std::vector<data::ClipSpec> readClip(ObjectReader& stage)
{
    std::vector<data::ClipSpec> clips;
    const json* value = stage.optional("clip");
    if (!value)
        return clips;
    ObjectReader reader(*value, stage.pathOf("clip"));
    for (const auto& [column, bounds] : value->items()) {
        data::ClipSpec clip;
        clip.column = column;
        std::string path = reader.pathOf(column);
        const json* pair = &reader.required(column);
        std::optional<ObjectReader> quantiles;
        if (pair->is_object()) {
            quantiles.emplace(*pair, path);
            pair = &quantiles->required("quantiles");
            path = quantiles->pathOf("quantiles");
            clip.quantiles = true;
        }
        const std::vector<double> range =
                readNumbers(*pair, path, 2,
                            clip.quantiles ? "[lower, upper] quantiles" : "[lower, upper] bounds");
        if (range.size() != 2 || range[0] > range[1])
            throw FieldError { path, "must be [lower, upper] with lower <= upper" };
        if (clip.quantiles && (range[0] < 0 || range[1] > 1))
            throw FieldError { path, "quantiles must lie between 0 and 1" };
        if (quantiles)
            quantiles->finish();
        clip.lower = range[0];
        clip.upper = range[1];
        clips.push_back(clip);
    }
    reader.finish();
    return clips;
}

// "bucketize": { "age": [18, 30, 50], "rooms": { "quantiles": 4 } }
std::vector<data::BucketizeSpec> readBucketize(ObjectReader& stage)
{
    std::vector<data::BucketizeSpec> buckets;
    const json* value = stage.optional("bucketize");
    if (!value)
        return buckets;
    ObjectReader reader(*value, stage.pathOf("bucketize"));
    for (const auto& [column, how] : value->items()) {
        data::BucketizeSpec spec;
        spec.column = column;
        const std::string path = reader.pathOf(column);
        if (reader.required(column).is_object()) {
            ObjectReader quantiles(how, path);
            spec.quantiles = int(quantiles.integer("quantiles", 2, 1000, nullptr));
            quantiles.finish();
        } else {
            spec.bounds = readNumbers(how, path, 1, "an array of ascending bounds");
            for (size_t i = 1; i < spec.bounds.size(); ++i) {
                if (!(spec.bounds[i - 1] < spec.bounds[i]))
                    throw FieldError { path + "[" + std::to_string(i) + "]",
                                       "bounds must be strictly ascending" };
            }
        }
        buckets.push_back(std::move(spec));
    }
    reader.finish();
    return buckets;
}

std::vector<std::string> readLog(ObjectReader& stage)
{
    std::vector<std::string> columns;
    const json* value = stage.optional("log");
    if (!value)
        return columns;
    if (!value->is_array())
        throw FieldError { stage.pathOf("log"), "must be an array of column names" };
    for (size_t i = 0; i < value->size(); ++i) {
        const json& name = (*value)[i];
        if (!name.is_string() || name.get<std::string>().empty())
            throw FieldError { stage.pathOf("log") + "[" + std::to_string(i) + "]",
                               "must be a column name, got " + typeName(name) };
        columns.push_back(name.get<std::string>());
    }
    return columns;
}

} // namespace

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
    prep.derive = readDerive(stage);
    prep.impute = readImpute(stage);
    prep.encode = readEncode(stage);
    prep.clip = readClip(stage);
    prep.log = readLog(stage);
    prep.bucketize = readBucketize(stage);
    stage.finish();
    return prep;
}

} // namespace ts::pipeline::detail
