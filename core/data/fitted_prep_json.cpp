// FittedPrep::toJson and fromJson: the stored form of a fitted prep.
//
//   {"version": 1,
//    "inputs": [{"name": "age", "kind": "numeric"}, {"name": "city", "kind": "categorical"},
//               {"name": "income", "kind": "numeric"}],
//    "steps": [{"step": "encode", "column": "city", "kind": "one_hot",
//               "categories": ["Lyon", "Paris"]},
//              {"step": "impute", "strategy": "median", "fills": [45.0, 0.0, 0.5, 2.375]},
//              {"step": "clip", "column": "age", "lower": 18.0, "upper": 90.0},
//              {"step": "log", "column": "income"},
//              {"step": "bucketize", "column": "income", "bounds": [1.1816048622131348]},
//              {"step": "scale", "kind": "min-max", "offsets": [30.0, 0.0, 0.0, 0.0],
//               "factors": [0.03125, 1.0, 1.0, 1.0]}],
//    "outputs": ["age", "city=Lyon", "city=Paris", "income"],
//    "classNames": ["no", "yes"]}
//
// (toJson writes it on one line.) Impute fills and scale offsets and factors are per encoded
// column, as "outputs" lists them (a unit scale has one offset and one factor for all).
//
// Steps appear in the order they run (encode, impute, clip, log, bucketize, scale); impute and
// scale at most once, encode once per categorical input. Column indices are never stored: steps
// name their column, so the document reads on its own. Numbers are written as the shortest
// decimal that reads back to the same double (floats are widened to double first, which is
// exact), so a restored prep computes the same bits. JSON has no NaN or infinity: NaN is written
// as null, infinities as the strings "inf" and "-inf". fromJson (fitted_prep_from_json.cpp)
// checks all of it against the inputs.
#include "data/fitted_prep.h"

#include "data/fitted_prep_state.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace ts::data {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

ordered_json number(double value)
{
    if (std::isnan(value))
        return nullptr;
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    return value;
}

template <typename T> ordered_json numbers(const std::vector<T>& values)
{
    ordered_json array = ordered_json::array();
    for (const T value : values)
        array.push_back(number(double(value)));
    return array;
}

ordered_json columnStep(const char* step, const std::string& column)
{
    return ordered_json { { "step", step }, { "column", column } };
}

} // namespace

std::string FittedPrep::toJson() const
{
    const State& s = *m_state;
    ordered_json inputs = ordered_json::array();
    ordered_json steps = ordered_json::array();
    for (const PrepInput& input : s.inputs) {
        inputs.push_back({ { "name", input.name }, { "kind", toString(input.kind) } });
        if (input.kind != ColumnKind::Categorical)
            continue;
        ordered_json step = columnStep("encode", input.name);
        step["kind"] = toString(input.encoder.kind());
        step["categories"] = input.encoder.categories();
        steps.push_back(std::move(step));
    }
    if (s.impute != ImputeStrategy::None)
        steps.push_back({ { "step", "impute" },
                          { "strategy", toString(s.impute) },
                          { "fills", numbers(s.fills) } });
    for (const PrepClip& clip : s.clips) {
        ordered_json step = columnStep("clip", s.outputs[size_t(clip.column)]);
        step["lower"] = number(clip.lower);
        step["upper"] = number(clip.upper);
        steps.push_back(std::move(step));
    }
    for (const int64_t col : s.logs)
        steps.push_back(columnStep("log", s.outputs[size_t(col)]));
    for (const PrepBucketize& bucketize : s.buckets) {
        ordered_json step = columnStep("bucketize", s.outputs[size_t(bucketize.column)]);
        step["bounds"] = numbers(bucketize.bounds);
        steps.push_back(std::move(step));
    }
    if (s.scale != ScaleKind::None)
        steps.push_back({ { "step", "scale" },
                          { "kind", toString(s.scale) },
                          { "offsets", numbers(s.offsets) },
                          { "factors", numbers(s.factors) } });
    const ordered_json document { { "version", State::Version },
                                  { "inputs", std::move(inputs) },
                                  { "steps", std::move(steps) },
                                  { "outputs", s.outputs },
                                  { "classNames", s.classNames } };
    // Text that is not UTF-8 cannot be a JSON string; it is written with U+FFFD in its place.
    return document.dump(-1, ' ', false, json::error_handler_t::replace);
}

} // namespace ts::data
