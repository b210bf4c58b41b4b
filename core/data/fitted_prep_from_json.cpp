// FittedPrep::fromJson: reads the document that toJson writes (the format is described in
// fitted_prep_json.cpp) and checks every part of it, so that a damaged or hand-edited document
// fails here, naming the field, rather than misbehaving in apply.
#include "data/fitted_prep.h"

#include "data/fitted_prep_state.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <set>

namespace ts::data {

using common::Error;
using common::ErrorKind;
using common::Expected;
using nlohmann::json;

namespace {

// Thrown inside fromJson only, and turned into a Corrupt error there.
struct CorruptField
{
    std::string path;
    std::string problem;
};

[[noreturn]] void corrupt(std::string path, std::string problem)
{
    throw CorruptField { std::move(path), std::move(problem) };
}

std::string indexed(const std::string& path, size_t i)
{
    return path + "[" + std::to_string(i) + "]";
}

// Typed access to the document; `path` names the value in messages ("steps[2].bounds").
class Reader
{
public:
    static const json& member(const json& object, const std::string& path, const char* key)
    {
        if (!object.is_object())
            corrupt(path.empty() ? "document" : path, "must be an object");
        const auto found = object.find(key);
        if (found == object.end())
            corrupt(path.empty() ? key : path + "." + key, "missing");
        return *found;
    }
    static const json& array(const json& value, const std::string& path)
    {
        if (!value.is_array())
            corrupt(path, "must be an array");
        return value;
    }
    static std::string string(const json& value, const std::string& path)
    {
        if (!value.is_string())
            corrupt(path, "must be a string");
        return value.get<std::string>();
    }
    static double number(const json& value, const std::string& path)
    {
        if (value.is_null())
            return std::numeric_limits<double>::quiet_NaN();
        if (value.is_string() && (value == "inf" || value == "-inf"))
            return value == "inf" ? HUGE_VAL : -HUGE_VAL;
        if (!value.is_number())
            corrupt(path, "must be a number, null (NaN), \"inf\" or \"-inf\"");
        return value.get<double>();
    }
    static double finite(const json& value, const std::string& path)
    {
        const double x = number(value, path);
        if (std::isnan(x))
            corrupt(path, "must be a number, not NaN");
        return x;
    }
    static float floating(const json& value, const std::string& path)
    {
        const double x = number(value, path);
        if (std::isfinite(x) && std::fabs(x) > std::numeric_limits<float>::max())
            corrupt(path, "is out of the range of a float");
        return float(x);
    }
    static std::vector<std::string> strings(const json& value, const std::string& path)
    {
        std::vector<std::string> texts;
        for (size_t i = 0; i < array(value, path).size(); ++i)
            texts.push_back(string(value[i], indexed(path, i)));
        return texts;
    }
    static std::vector<float> floats(const json& value, const std::string& path, size_t size)
    {
        if (array(value, path).size() != size)
            corrupt(path,
                    std::to_string(size) + (size == 1 ? " value" : " values") + " expected, not "
                            + std::to_string(value.size()));
        std::vector<float> values;
        for (size_t i = 0; i < size; ++i)
            values.push_back(floating(value[i], indexed(path, i)));
        return values;
    }
};

// Matches `text` against the spellings of `choices`, for enum fields.
template <typename E, size_t N>
E choose(const std::string& text, const std::array<E, N>& choices, const std::string& path)
{
    std::string known;
    for (const E choice : choices) {
        if (text == toString(choice))
            return choice;
        known += (known.empty() ? "" : ", ") + std::string(toString(choice));
    }
    corrupt(path, "'" + text + "' is none of " + known);
}

void readInputs(const json& document, FittedPrepState& s)
{
    const json& inputs = Reader::array(Reader::member(document, "", "inputs"), "inputs");
    std::set<std::string> names;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const std::string path = indexed("inputs", i);
        PrepInput input;
        input.name = Reader::string(Reader::member(inputs[i], path, "name"), path + ".name");
        if (!names.insert(input.name).second)
            corrupt(path + ".name", "'" + input.name + "' appears twice");
        const std::string kind =
                Reader::string(Reader::member(inputs[i], path, "kind"), path + ".kind");
        input.kind = choose(kind, std::array { ColumnKind::Numeric, ColumnKind::Categorical },
                            path + ".kind");
        s.inputs.push_back(std::move(input));
    }
}

// Reads "steps" into `s`, whose inputs are read; checks their order and every size against the
// inputs and their encoding.
class StepReader
{
public:
    explicit StepReader(FittedPrepState& s)
        : m_s(s)
    {}

    void read(const json& steps)
    {
        for (size_t i = 0; i < Reader::array(steps, "steps").size(); ++i) {
            m_path = indexed("steps", i);
            const std::string name =
                    Reader::string(Reader::member(steps[i], m_path, "step"), m_path + ".step");
            const int rank = rankOf(name);
            if (rank > 0)
                finishEncoding();
            read(steps[i], rank);
        }
        m_path = "steps";
        finishEncoding();
    }

private:
    static constexpr std::array<const char*, 6> Order = { "encode", "impute",    "clip",
                                                          "log",    "bucketize", "scale" };

    int rankOf(const std::string& name)
    {
        int rank = 0;
        while (rank < int(Order.size()) && name != Order[size_t(rank)])
            ++rank;
        if (rank == int(Order.size()))
            corrupt(m_path + ".step",
                    "unknown step '" + name
                            + "'; the steps are encode, impute, clip, log, "
                              "bucketize and scale");
        if (rank < m_rank || (rank == m_rank && (name == "impute" || name == "scale")))
            corrupt(m_path + ".step",
                    "'" + name + "' after '" + Order[size_t(m_rank)]
                            + "'; the steps run in the order encode, impute, "
                              "clip, log, bucketize, scale, with one impute and one scale at most");
        m_rank = rank;
        return rank;
    }

    void read(const json& step, int rank)
    {
        switch (rank) {
        case 0:
            return readEncode(step);
        case 1:
            m_s.impute =
                    choose(string(step, "strategy"),
                           std::array { ImputeStrategy::Mean, ImputeStrategy::Median,
                                        ImputeStrategy::MostFrequent, ImputeStrategy::Constant },
                           m_path + ".strategy");
            m_s.fills = Reader::floats(field(step, "fills"), m_path + ".fills", width());
            return;
        case 2:
            return readClip(step);
        case 3:
            m_s.logs.push_back(numericColumn(step, "log"));
            return;
        case 4:
            return readBucketize(step);
        default:
            return readScale(step);
        }
    }

    const json& field(const json& step, const char* key) const
    {
        return Reader::member(step, m_path, key);
    }
    std::string string(const json& step, const char* key) const
    {
        return Reader::string(field(step, key), m_path + "." + key);
    }
    size_t width() const { return m_s.outputs.size(); }

    // The input named by step.column, which must be of kind `kind` and named once per step.
    size_t inputColumn(const json& step, const char* stepName, ColumnKind kind)
    {
        const std::string column = string(step, "column");
        const auto found = std::find_if(m_s.inputs.begin(), m_s.inputs.end(),
                                        [&](const PrepInput& in) { return in.name == column; });
        if (found == m_s.inputs.end() || found->kind != kind)
            corrupt(m_path + ".column", "'" + column + "' is not a " + toString(kind) + " input");
        if (!m_named.insert(std::string(stepName) + '\n' + column).second)
            corrupt(m_path + ".column",
                    std::string("a second '") + stepName + "' step for '" + column + "'");
        return size_t(found - m_s.inputs.begin());
    }
    int64_t numericColumn(const json& step, const char* stepName)
    {
        const size_t input = inputColumn(step, stepName, ColumnKind::Numeric);
        return m_s.outputIndex(m_s.inputs[input].name);
    }

    void readEncode(const json& step)
    {
        PrepInput& input = m_s.inputs[inputColumn(step, "encode", ColumnKind::Categorical)];
        const EncodeKind kind =
                choose(string(step, "kind"), std::array { EncodeKind::OneHot, EncodeKind::Ordinal },
                       m_path + ".kind");
        std::vector<std::string> categories =
                Reader::strings(field(step, "categories"), m_path + ".categories");
        std::set<std::string> distinct;
        for (const std::string& category : categories)
            if (!distinct.insert(category).second)
                corrupt(m_path + ".categories", "'" + category + "' appears twice");
        input.encoder = CategoryEncoder(kind, std::move(categories));
    }

    // Once the encode steps are read, every categorical input must have had one.
    void finishEncoding()
    {
        if (m_encoded)
            return;
        m_encoded = true;
        for (const PrepInput& input : m_s.inputs)
            if (input.kind == ColumnKind::Categorical && !m_named.count("encode\n" + input.name))
                corrupt("steps", "no encode step for the categorical input '" + input.name + "'");
        m_s.nameOutputs();
        std::set<std::string> names;
        for (const std::string& name : m_s.outputs)
            if (!names.insert(name).second)
                corrupt("steps", "two encoded columns would be named '" + name + "'");
    }

    void readClip(const json& step)
    {
        PrepClip clip { numericColumn(step, "clip"), 0, 0 };
        clip.lower = Reader::finite(field(step, "lower"), m_path + ".lower");
        clip.upper = Reader::finite(field(step, "upper"), m_path + ".upper");
        if (clip.lower > clip.upper)
            corrupt(m_path + ".upper",
                    formatNumber(clip.upper) + " is below lower " + formatNumber(clip.lower));
        m_s.clips.push_back(clip);
    }

    void readBucketize(const json& step)
    {
        PrepBucketize bucketize { numericColumn(step, "bucketize"), {} };
        const std::string path = m_path + ".bounds";
        const json& bounds = Reader::array(field(step, "bounds"), path);
        if (bounds.empty())
            corrupt(path, "must hold at least one bound");
        for (size_t k = 0; k < bounds.size(); ++k) {
            const double bound = Reader::finite(bounds[k], indexed(path, k));
            if (k > 0 && !(bucketize.bounds.back() < bound))
                corrupt(path,
                        "must be strictly ascending, but bounds[" + std::to_string(k)
                                + "] = " + formatNumber(bound) + " follows "
                                + formatNumber(bucketize.bounds.back()));
            bucketize.bounds.push_back(bound);
        }
        m_s.buckets.push_back(std::move(bucketize));
    }

    void readScale(const json& step)
    {
        m_s.scale =
                choose(string(step, "kind"),
                       std::array { ScaleKind::Unit, ScaleKind::MinMax, ScaleKind::Standardize },
                       m_path + ".kind");
        // Unit scales every feature alike: one offset and factor; the others one per column.
        const size_t size = m_s.scale == ScaleKind::Unit ? 1 : width();
        m_s.offsets = Reader::floats(field(step, "offsets"), m_path + ".offsets", size);
        m_s.factors = Reader::floats(field(step, "factors"), m_path + ".factors", size);
    }

    FittedPrepState& m_s;
    std::string m_path;
    int m_rank = 0;
    bool m_encoded = false;
    std::set<std::string> m_named; // step + '\n' + column
};

void readOutputs(const json& document, const FittedPrepState& s)
{
    const std::vector<std::string> outputs =
            Reader::strings(Reader::member(document, "", "outputs"), "outputs");
    if (outputs.size() != s.outputs.size())
        corrupt("outputs",
                std::to_string(outputs.size())
                        + " names, but the inputs and their "
                          "encoding give "
                        + std::to_string(s.outputs.size()));
    for (size_t k = 0; k < outputs.size(); ++k)
        if (outputs[k] != s.outputs[k])
            corrupt(indexed("outputs", k),
                    "'" + outputs[k]
                            + "', but the inputs and their "
                              "encoding give '"
                            + s.outputs[k] + "'");
}

void readDocument(const json& document, FittedPrepState& s)
{
    const json& version = Reader::member(document, "", "version");
    if (!version.is_number_integer() || version.get<int64_t>() != FittedPrepState::Version)
        corrupt("version",
                version.dump() + " is not a version this build reads ("
                        + std::to_string(FittedPrepState::Version) + ")");
    readInputs(document, s);
    StepReader(s).read(Reader::member(document, "", "steps"));
    readOutputs(document, s);
    s.classNames = Reader::strings(Reader::member(document, "", "classNames"), "classNames");
}

} // namespace

Expected<FittedPrep> FittedPrep::fromJson(std::string_view text)
{
    json document;
    try {
        document = json::parse(text);
    } catch (const json::parse_error& e) {
        // what() reads "[json.exception.parse_error.101] parse error at line 1, column 9: ...".
        const std::string what = e.what();
        const size_t start = what.find("] ");
        return Error(ErrorKind::Corrupt,
                     "not valid JSON: "
                             + (start == std::string::npos ? what : what.substr(start + 2)));
    }
    try {
        FittedPrep prep;
        readDocument(document, *prep.m_state);
        return prep;
    } catch (const CorruptField& e) {
        return Error(ErrorKind::Corrupt, e.path + ": " + e.problem);
    } catch (const json::exception& e) { // a value beyond what the checks above foresee
        return Error(ErrorKind::Corrupt, std::string("fitted prep: ") + e.what());
    }
}

} // namespace ts::data
