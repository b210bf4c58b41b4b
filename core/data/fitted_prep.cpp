// FittedPrep: the steps on the encoded columns and apply. Fit is in fitted_prep_fit.cpp, the JSON
// form in fitted_prep_json.cpp (writing) and fitted_prep_from_json.cpp (reading).
#include "data/fitted_prep.h"

#include "common/assert.h"
#include "common/spelling.h"
#include "data/column_transforms.h"
#include "data/fitted_prep_state.h"

#include <algorithm>
#include <charconv> // for to_chars
#include <cmath>
#include <unordered_map>

namespace ts::data {

using common::Error;
using common::ErrorKind;
using common::Expected;

std::string formatNumber(double value)
{
    char text[32];
    const auto end = std::to_chars(text, text + sizeof text, value).ptr;
    return std::string(text, end);
}

std::vector<std::string> featureNames(const Dataset& data)
{
    if (!data.columnNames.empty())
        return data.columnNames;
    // Sources without a header (IDX images) name their features as feature_stats does.
    std::vector<std::string> names;
    names.reserve(size_t(data.cols));
    // Not "f" + std::to_string(j): GCC 12 warns about it (a false -Wrestrict).
    for (int64_t j = 0; j < data.cols; ++j)
        names.push_back(std::string(1, 'f').append(std::to_string(j)));
    return names;
}

common::Result checkLayout(const Dataset& data)
{
    const auto cols = size_t(data.cols);
    std::string problem;
    if (data.rows < 0 || data.cols < 0 || data.features.size() != size_t(data.rows) * cols)
        problem = std::to_string(data.features.size()) + " values for " + std::to_string(data.rows)
                + " rows of " + std::to_string(data.cols) + " columns";
    else if (!data.columnNames.empty() && data.columnNames.size() != cols)
        problem = std::to_string(data.columnNames.size()) + " column names";
    else if (!data.columnTypes.empty() && data.columnTypes.size() != cols)
        problem = std::to_string(data.columnTypes.size()) + " column types";
    if (problem.empty())
        return {};
    return Error(ErrorKind::Internal,
                 data.origin + ": " + std::to_string(data.cols) + " feature columns, but "
                         + problem);
}

// ---- State: naming and steps 2-6 --------------------------------------------------------------

void FittedPrepState::nameOutputs()
{
    outputs.clear();
    for (const PrepInput& input : inputs) {
        if (input.kind == ColumnKind::Numeric) {
            outputs.push_back(input.name);
            continue;
        }
        for (std::string& name : input.encoder.outputNames(input.name))
            outputs.push_back(std::move(name));
    }
}

int64_t FittedPrepState::outputIndex(const std::string& name) const
{
    const auto found = std::find(outputs.begin(), outputs.end(), name);
    return found == outputs.end() ? -1 : int64_t(found - outputs.begin());
}

void FittedPrepState::applyImpute(Dataset& work) const
{
    if (impute == ImputeStrategy::None)
        return;
    TS_ASSERT(fills.size() == size_t(work.cols));
    for (int64_t i = 0; i < work.rows; ++i) {
        float* row = work.features.data() + i * work.cols;
        for (size_t j = 0; j < fills.size(); ++j)
            if (std::isnan(row[j]))
                row[j] = fills[j];
    }
}

void FittedPrepState::applyClips(Dataset& work) const
{
    for (const PrepClip& clip : clips)
        clipColumn(work, clip.column, clip.lower, clip.upper);
}

common::Result FittedPrepState::applyLogs(Dataset& work) const
{
    for (const int64_t col : logs) {
        const int64_t row = logColumn(work, col);
        if (row < 0)
            continue;
        return Error(ErrorKind::InvalidInput,
                     "log." + outputs[size_t(col)] + ": row " + std::to_string(row + 1) + " of "
                             + work.origin + " holds " + formatNumber(work.row(row)[col])
                             + ", and ln(1 + x) needs x > -1; clip the column above -1 first");
    }
    return {};
}

void FittedPrepState::applyBuckets(Dataset& work) const
{
    for (const PrepBucketize& bucketize : buckets)
        bucketizeColumn(work, bucketize.column, bucketize.bounds);
}

void FittedPrepState::applyScale(Dataset& work) const
{
    if (scale == ScaleKind::None)
        return;
    // Normalizer::apply's formula on the stored values, see fitted_prep_state.h.
    const auto cols = size_t(work.cols);
    const bool global = offsets.size() == 1;
    TS_ASSERT(offsets.size() == factors.size() && (global || offsets.size() == cols));
    for (int64_t i = 0; i < work.rows; ++i) {
        float* row = work.features.data() + i * work.cols;
        for (size_t j = 0; j < cols; ++j) {
            const size_t k = global ? 0 : j;
            row[j] = (row[j] - offsets[k]) * factors[k];
        }
    }
}

// ---- State: step 1 -----------------------------------------------------------------------------

Expected<std::vector<int64_t>> FittedPrepState::locateInputs(const Dataset& data) const
{
    TS_TRY(checkLayout(data));
    const std::vector<std::string> names = featureNames(data);
    std::unordered_map<std::string, int64_t> index;
    for (size_t j = 0; j < names.size(); ++j)
        index.emplace(names[j], int64_t(j)); // a repeated name: the first wins, as in a reader
    std::vector<int64_t> sources;
    sources.reserve(inputs.size());
    for (const PrepInput& input : inputs) {
        const auto found = index.find(input.name);
        if (found == index.end()) {
            const std::string closest = common::closestName(
                    input.name, names, std::max<size_t>(1, input.name.size() / 3));
            return Error(ErrorKind::InvalidInput,
                         data.origin + ": no column '" + input.name
                                 + "', which the prep was fitted on"
                                 + (closest.empty() ? "" : " (did you mean '" + closest + "'?)"));
        }
        if (const ColumnKind kind = data.kindOf(found->second); kind != input.kind)
            return Error(ErrorKind::InvalidInput,
                         data.origin + ": column '" + input.name + "' is " + toString(kind)
                                 + ", but the prep was fitted on it as " + toString(input.kind));
        sources.push_back(found->second);
    }
    return sources;
}

namespace {

// Where one input column goes in the encoded matrix.
struct EncodePlan
{
    int64_t source = 0;
    int64_t offset = 0;
    const CategoryEncoder* encoder = nullptr; // null for a numeric column
    std::vector<int32_t> codes;               // the data's code -> category index
};

// A code outside the dictionary is a reader's bug, not the user's.
Error badCode(const Dataset& data, const std::string& column, int64_t row, float value,
              size_t categories)
{
    return Error(ErrorKind::Internal,
                 "column '" + column + "': row " + std::to_string(row + 1) + " of " + data.origin
                         + " holds " + formatNumber(value) + ", not a code of its "
                         + std::to_string(categories) + " categories");
}

} // namespace

Expected<Dataset> FittedPrepState::encode(const Dataset& data,
                                          const std::vector<int64_t>& sources) const
{
    Dataset work;
    work.rows = data.rows;
    work.cols = int64_t(outputs.size());
    work.origin = data.origin;
    work.features.resize(size_t(work.rows) * outputs.size());
    std::vector<EncodePlan> plans(inputs.size());
    int64_t offset = 0;
    for (size_t k = 0; k < inputs.size(); ++k) {
        plans[k].source = sources[k];
        plans[k].offset = offset;
        if (inputs[k].kind == ColumnKind::Categorical) {
            plans[k].encoder = &inputs[k].encoder;
            plans[k].codes = inputs[k].encoder.codeMap(data.columnTypes[size_t(sources[k])]);
        }
        offset += plans[k].encoder ? plans[k].encoder->width() : 1;
    }
    TS_ASSERT(offset == work.cols);
    for (int64_t i = 0; i < data.rows; ++i) {
        const float* in = data.row(i);
        float* out = work.features.data() + i * work.cols;
        for (const EncodePlan& plan : plans) {
            const float value = in[plan.source];
            if (!plan.encoder) {
                out[plan.offset] = value;
                continue;
            }
            const int32_t code = CategoryEncoder::codeOf(value, plan.codes.size());
            if (code == CategoryEncoder::BadCode)
                return badCode(data, inputs[size_t(&plan - plans.data())].name, i, value,
                               plan.codes.size());
            plan.encoder->write(code >= 0 ? plan.codes[size_t(code)] : CategoryEncoder::Unseen,
                                out + plan.offset);
        }
    }
    return work;
}

// ---- FittedPrep
// ----------------------------------------------------------------------------------

FittedPrep::FittedPrep()
    : m_state(std::make_unique<State>())
{}

FittedPrep::FittedPrep(const FittedPrep& other)
    : m_state(std::make_unique<State>(*other.m_state))
{}

FittedPrep::FittedPrep(FittedPrep&&) noexcept = default;

FittedPrep& FittedPrep::operator=(const FittedPrep& other)
{
    if (this != &other)
        m_state = std::make_unique<State>(*other.m_state);
    return *this;
}

FittedPrep& FittedPrep::operator=(FittedPrep&&) noexcept = default;
FittedPrep::~FittedPrep() = default;

const std::vector<std::string>& FittedPrep::outputColumns() const
{
    return m_state->outputs;
}

const std::vector<std::string>& FittedPrep::classNames() const
{
    return m_state->classNames;
}

common::Result FittedPrep::apply(Dataset& data) const
{
    const State& s = *m_state;
    auto sources = s.locateInputs(data);
    TS_TRY(sources);
    auto work = s.encode(data, *sources);
    TS_TRY(work);
    s.applyImpute(*work);
    s.applyClips(*work);
    TS_TRY(s.applyLogs(*work));
    s.applyBuckets(*work);
    s.applyScale(*work);

    // Only now is `data` touched, so a failure above leaves it as it was. An image whose pixels
    // all pass through in place keeps its shape, which a convolutional model needs.
    bool samePlaces = int64_t(sources->size()) == data.cols;
    for (size_t k = 0; k < sources->size() && samePlaces; ++k)
        samePlaces = (*sources)[k] == int64_t(k) && s.inputs[k].kind == ColumnKind::Numeric;
    if (!samePlaces)
        data.sampleShape.clear();
    data.features = std::move(work->features);
    data.cols = work->cols;
    data.columnNames = s.outputs;
    data.columnTypes.clear();
    data.timeColumns.clear();
    return {};
}

} // namespace ts::data
