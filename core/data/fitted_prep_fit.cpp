// FittedPrep::fit: checks the spec against the training columns, then fits the steps in order,
// each on the training values as the steps before it left them.
#include "data/fitted_prep.h"

#include "common/spelling.h"
#include "data/column_transforms.h"
#include "data/fitted_prep_state.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

namespace ts::data {

using common::Error;
using common::ErrorKind;
using common::Expected;

namespace {

Error invalid(const std::string& message)
{
    return Error(ErrorKind::InvalidInput, message);
}

// The training columns by name, for the spec's references to them.
class TrainColumns
{
public:
    explicit TrainColumns(const Dataset& train)
        : m_train(train)
        , m_names(featureNames(train))
    {
        for (size_t j = 0; j < m_names.size(); ++j)
            m_index.emplace(m_names[j], int64_t(j));
    }

    const std::vector<std::string>& names() const { return m_names; }

    // The column `column` named by step `step` ("clip"), which must be of kind `wanted`; each
    // column at most once per step.
    Expected<int64_t> find(const std::string& step, const std::string& column, ColumnKind wanted)
    {
        const std::string where = step + "." + column + ": ";
        if (!m_named.insert(step + '\n' + column).second)
            return invalid(where + "'" + column + "' is named twice");
        const auto found = m_index.find(column);
        const bool isTime = std::any_of(m_train.timeColumns.begin(), m_train.timeColumns.end(),
                                        [&](const TimeColumn& t) { return t.name == column; });
        if (isTime
            || (found != m_index.end() && m_train.kindOf(found->second) == ColumnKind::Timestamp))
            return invalid(where + "'" + column + "' is a timestamp column of " + m_train.origin
                           + ", not a feature");
        if (found == m_index.end()) {
            const std::string closest =
                    common::closestName(column, m_names, std::max<size_t>(1, column.size() / 3));
            return invalid(where + "no column '" + column + "' in " + m_train.origin
                           + (closest.empty() ? "" : " (did you mean '" + closest + "'?)"));
        }
        if (m_train.kindOf(found->second) != wanted)
            return invalid(
                    where + "column '" + column + "' is " + toString(m_train.kindOf(found->second))
                    + "; " + step + " takes a " + toString(wanted) + " column"
                    + (wanted == ColumnKind::Numeric ? " (encode turns categories into numbers)"
                                                     : ""));
        return found->second;
    }

private:
    const Dataset& m_train;
    std::vector<std::string> m_names;
    std::unordered_map<std::string, int64_t> m_index;
    std::set<std::string> m_named; // step + '\n' + column
};

// Step 1: one input per numeric or categorical column of `train`, in its order.
common::Result fitInputs(const Dataset& train, TrainColumns& columns,
                         const std::vector<EncodeSpec>& encode, FittedPrepState& s)
{
    std::vector<const EncodeSpec*> specOf(size_t(train.cols), nullptr);
    for (const EncodeSpec& spec : encode) {
        auto col = columns.find("encode", spec.column, ColumnKind::Categorical);
        TS_TRY(col);
        specOf[size_t(*col)] = &spec;
    }
    std::set<std::string> seen;
    for (int64_t j = 0; j < train.cols; ++j) {
        const ColumnKind kind = train.kindOf(j);
        if (kind == ColumnKind::Timestamp)
            continue; // not a feature, see dataset.h
        const std::string& name = columns.names()[size_t(j)];
        if (!seen.insert(name).second)
            return invalid(train.origin + " has two columns named '" + name + "'");
        PrepInput input { name, kind, {} };
        if (kind == ColumnKind::Categorical) {
            const EncodeSpec defaultSpec { name, EncodeKind::OneHot, {} };
            auto encoder = CategoryEncoder::fit(
                    train, j, specOf[size_t(j)] ? *specOf[size_t(j)] : defaultSpec);
            if (!encoder)
                return std::move(encoder).error().wrap("encode." + name);
            input.encoder = std::move(*encoder);
        }
        s.inputs.push_back(std::move(input));
    }
    s.nameOutputs();
    std::set<std::string> outputs;
    for (const std::string& name : s.outputs)
        if (!outputs.insert(name).second)
            return invalid("two encoded columns would be named '" + name
                           + "' (a column and a one-hot category); rename the column");
    return {};
}

// The index in the encoded columns of a numeric column named by a step.
Expected<int64_t> numericOutput(TrainColumns& columns, const FittedPrepState& s,
                                const std::string& step, const std::string& column)
{
    TS_TRY(columns.find(step, column, ColumnKind::Numeric));
    return s.outputIndex(column);
}

// Steps 3-5 name their columns: resolved and checked before any fitting, so that a typo is
// reported before a domain error in the data. Quantile bounds are filled in by fit*Quantiles.
common::Result planClips(const std::vector<ClipSpec>& specs, TrainColumns& columns,
                         FittedPrepState& s)
{
    for (const ClipSpec& spec : specs) {
        auto col = numericOutput(columns, s, "clip", spec.column);
        TS_TRY(col);
        if (!(spec.lower <= spec.upper)
            || (spec.quantiles && !(spec.lower >= 0 && spec.upper <= 1)))
            return invalid("clip." + spec.column + ": lower " + formatNumber(spec.lower)
                           + " and upper " + formatNumber(spec.upper) + " must satisfy "
                           + (spec.quantiles ? "0 <= lower <= upper <= 1" : "lower <= upper"));
        s.clips.push_back({ *col, spec.lower, spec.upper });
    }
    return {};
}

common::Result planLogs(const std::vector<std::string>& specs, TrainColumns& columns,
                        FittedPrepState& s)
{
    for (const std::string& column : specs) {
        auto col = numericOutput(columns, s, "log", column);
        TS_TRY(col);
        s.logs.push_back(*col);
    }
    return {};
}

common::Result checkBounds(const BucketizeSpec& spec)
{
    const std::string where = "bucketize." + spec.column + ": ";
    if (!spec.bounds.empty() && spec.quantiles != 0)
        return invalid(where + "give bounds or quantiles, not both");
    if (spec.bounds.empty() && spec.quantiles < 2)
        return invalid(where + "quantiles must be at least 2 (or give bounds), not "
                       + std::to_string(spec.quantiles));
    for (size_t k = 0; k < spec.bounds.size(); ++k)
        if (std::isnan(spec.bounds[k]) || (k > 0 && !(spec.bounds[k - 1] < spec.bounds[k])))
            return invalid(where + "bounds must be strictly ascending numbers; bound "
                           + std::to_string(k + 1) + " is " + formatNumber(spec.bounds[k]));
    return {};
}

common::Result planBuckets(const std::vector<BucketizeSpec>& specs, TrainColumns& columns,
                           FittedPrepState& s)
{
    for (const BucketizeSpec& spec : specs) {
        auto col = numericOutput(columns, s, "bucketize", spec.column);
        TS_TRY(col);
        TS_TRY(checkBounds(spec));
        s.buckets.push_back({ *col, spec.bounds });
    }
    return {};
}

// Quantile bounds need values to be fitted on.
Expected<std::vector<double>> fitValues(const Dataset& work, int64_t col, const std::string& step)
{
    std::vector<double> values = sortedValues(work, col);
    if (values.empty())
        return invalid(step + "." + work.columnNames[size_t(col)]
                       + ": every training value is missing, so there are no quantiles to fit");
    return values;
}

common::Result fitClipQuantiles(const std::vector<ClipSpec>& specs, const Dataset& work,
                                FittedPrepState& s)
{
    for (size_t k = 0; k < specs.size(); ++k) {
        if (!specs[k].quantiles)
            continue;
        auto values = fitValues(work, s.clips[k].column, "clip");
        TS_TRY(values);
        s.clips[k].lower = quantile(*values, specs[k].lower);
        s.clips[k].upper = quantile(*values, specs[k].upper);
    }
    return {};
}

common::Result fitBucketQuantiles(const std::vector<BucketizeSpec>& specs, const Dataset& work,
                                  FittedPrepState& s)
{
    for (size_t k = 0; k < specs.size(); ++k) {
        if (specs[k].quantiles == 0)
            continue;
        auto values = fitValues(work, s.buckets[k].column, "bucketize");
        TS_TRY(values);
        s.buckets[k].bounds = quantileBounds(*values, specs[k].quantiles);
    }
    return {};
}

} // namespace

Expected<FittedPrep> FittedPrep::fit(const Dataset& train, const PrepTransformsSpec& spec)
{
    TS_TRY(checkLayout(train));
    if (train.rows == 0)
        return invalid(train.origin + " has no rows to fit the prep on");
    FittedPrep prep;
    State& s = *prep.m_state;
    TrainColumns columns(train);
    TS_TRY(fitInputs(train, columns, spec.encode, s));
    s.classNames = train.classNames;

    TS_TRY(planClips(spec.clip, columns, s));
    TS_TRY(planLogs(spec.log, columns, s));
    TS_TRY(planBuckets(spec.bucketize, columns, s));

    auto sources = s.locateInputs(train);
    TS_TRY(sources);
    auto work = s.encode(train, *sources);
    TS_TRY(work);
    work->columnNames = s.outputs; // for messages

    // Each step is fitted on the training values as the steps before it left them.
    s.impute = spec.impute.strategy;
    s.fills = Imputer::fit(*work, spec.impute).fills();
    s.applyImpute(*work);
    TS_TRY(fitClipQuantiles(spec.clip, *work, s));
    s.applyClips(*work);
    TS_TRY(s.applyLogs(*work));
    TS_TRY(fitBucketQuantiles(spec.bucketize, *work, s));
    s.applyBuckets(*work);
    const Normalizer normalizer = Normalizer::fit(*work, spec.scale);
    s.scale = spec.scale;
    s.offsets = normalizer.offsets();
    s.factors = normalizer.factors();
    return prep;
}

} // namespace ts::data
