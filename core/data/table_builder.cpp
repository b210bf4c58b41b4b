#include "data/table_builder.h"

#include "data/timestamp.h"

#include <algorithm>
#include <cctype>
#include <charconv> // for std::from_chars
#include <cmath>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace ts::data {
namespace {

using common::Error;
using common::ErrorKind;

// Labels are stored as float: beyond 2^24 neighbouring integers collapse.
constexpr int64_t LabelMax = int64_t(1) << 24;

std::string_view trimmed(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// "abc" when the whole field (spaces aside) is not a finite float.
bool parseNumber(std::string_view field, float& value, std::string& problem)
{
    field = trimmed(field);
    if (!field.empty() && field.front() == '+')
        field.remove_prefix(1); // from_chars takes no plus sign; spreadsheets write one
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (ec == std::errc::result_out_of_range)
        problem = "is out of range for a 32-bit float";
    else if (ec != std::errc() || end != field.data() + field.size())
        problem = "is not a number";
    else if (!std::isfinite(value))
        problem = "is not a finite number";
    else
        return true;
    return false;
}

bool parseClassIndex(std::string_view field, float& label, std::string& problem)
{
    field = trimmed(field);
    int64_t value = -1;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (ec != std::errc() || end != field.data() + field.size() || value < 0) {
        problem = "is not a class index (a non-negative integer); declare the label column "
                  "\"categorical\" for class names";
        return false;
    }
    if (value >= LabelMax) {
        problem = "is too large for a class index (at most " + std::to_string(LabelMax - 1) + ")";
        return false;
    }
    label = float(value);
    return true;
}

// Heterogeneous lookup: a field (string_view) finds its category without a temporary string.
struct TextHash
{
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
};
using Dictionary = std::unordered_map<std::string, int32_t, TextHash, std::equal_to<>>;

// Where one source column goes in the Dataset.
struct Target
{
    enum class Kind { Feature, Label, Time } kind = Kind::Feature;
    size_t index = 0; // the feature column or time column
};

} // namespace

struct TableBuilder::State
{
    std::vector<TableColumn> columns;
    std::vector<Target> targets;          // per source column
    std::vector<Dictionary> dictionaries; // per feature column (used by Categorical ones)
    Dictionary labelDictionary;           // Categorical labels: name -> provisional code
    std::vector<std::string> labelNames;  // provisional code -> name
    size_t labelIndex = 0;
    Position position = Position::Line;
    Dataset data;
    // One row staged before it is committed, so a bad field leaves no partial row behind.
    std::vector<float> rowFeatures;
    std::vector<int64_t> rowTimes;

    // `typeProblem`: the value does not fit the column's type (which the hint may explain).
    Error fieldError(int64_t number, size_t column, std::string_view text,
                     const std::string& problem, bool typeProblem = true) const
    {
        const TableColumn& c = columns[column];
        std::string where = position == Position::Line
                ? data.origin + ':' + std::to_string(number) + ", column '" + c.name + "' (field "
                        + std::to_string(column + 1) + ")"
                : data.origin + ", row " + std::to_string(number) + ", column '" + c.name + "'";
        std::string message = where + ": '" + std::string(text) + "' " + problem;
        if (typeProblem && !c.kindHint.empty())
            message += " " + c.kindHint;
        return Error(ErrorKind::InvalidInput, message);
    }

    int32_t categoryCode(size_t feature, std::string_view text)
    {
        Dictionary& dictionary = dictionaries[feature];
        if (const auto found = dictionary.find(text); found != dictionary.end())
            return found->second;
        auto& categories = data.columnTypes[feature].categories;
        const auto code = int32_t(categories.size());
        categories.emplace_back(text);
        dictionary.emplace(categories.back(), code);
        return code;
    }

    common::Result parseLabel(const Field& field, int64_t number, float& label)
    {
        const std::string_view text = trimmed(field.text);
        if (field.null || isMissingMarker(text))
            return fieldError(number, labelIndex, field.null ? "NULL" : field.text,
                              "is missing; every row needs a class in the label column", false);
        if (columns[labelIndex].kind == ColumnKind::Numeric) {
            std::string problem;
            if (!parseClassIndex(text, label, problem))
                return fieldError(number, labelIndex, field.text, problem);
            return {};
        }
        auto found = labelDictionary.find(text);
        if (found == labelDictionary.end()) {
            labelNames.emplace_back(text);
            found = labelDictionary.emplace(labelNames.back(), int32_t(labelNames.size() - 1))
                            .first;
        }
        label = float(found->second);
        return {};
    }
};

TableBuilder::TableBuilder(std::unique_ptr<State> state)
    : m_state(std::move(state))
{}
TableBuilder::TableBuilder(TableBuilder&&) noexcept = default;
TableBuilder& TableBuilder::operator=(TableBuilder&&) noexcept = default;
TableBuilder::~TableBuilder() = default;

common::Expected<TableBuilder> TableBuilder::create(std::vector<TableColumn> columns,
                                                    const std::string& labelColumn,
                                                    std::string origin, Position position)
{
    std::string names;
    for (size_t i = 0; i < columns.size(); ++i) {
        names += (i == 0 ? "" : ", ") + columns[i].name;
        for (size_t j = 0; j < i; ++j) {
            if (columns[j].name == columns[i].name)
                return Error(ErrorKind::InvalidInput,
                             origin + ": two columns are named '" + columns[i].name + "' (columns "
                                     + std::to_string(j + 1) + " and " + std::to_string(i + 1)
                                     + ")");
        }
    }
    const auto label = std::find_if(columns.begin(), columns.end(),
                                    [&](const TableColumn& c) { return c.name == labelColumn; });
    if (label == columns.end())
        return Error(ErrorKind::NotFound,
                     origin + ": no column '" + labelColumn + "' for the labels (columns: " + names
                             + ")");
    if (label->kind == ColumnKind::Timestamp)
        return Error(ErrorKind::InvalidInput,
                     origin + ": the label column '" + labelColumn
                             + "' holds times; labels are class indices or class names");

    auto state = std::make_unique<State>();
    state->labelIndex = size_t(label - columns.begin());
    state->position = position;
    state->data.origin = std::move(origin);
    bool typed = false;
    for (size_t i = 0; i < columns.size(); ++i) {
        Target target;
        if (i == state->labelIndex) {
            target.kind = Target::Kind::Label;
        } else if (columns[i].kind == ColumnKind::Timestamp) {
            target = { Target::Kind::Time, state->data.timeColumns.size() };
            state->data.timeColumns.push_back({ columns[i].name, {} });
        } else {
            target.index = state->data.columnNames.size();
            state->data.columnNames.push_back(columns[i].name);
            state->data.columnTypes.push_back({ columns[i].kind, {} });
            typed = typed || columns[i].kind != ColumnKind::Numeric;
        }
        state->targets.push_back(target);
    }
    state->data.cols = int64_t(state->data.columnNames.size());
    state->dictionaries.resize(state->data.columnNames.size());
    if (!typed)
        state->data.columnTypes.clear(); // an all-numeric table reads as before typed columns
    state->rowFeatures.resize(size_t(state->data.cols));
    state->rowTimes.resize(state->data.timeColumns.size());
    state->columns = std::move(columns);
    return TableBuilder(std::move(state));
}

common::Result TableBuilder::setRow(int64_t slot, const std::vector<Field>& fields, int64_t number)
{
    State& s = *m_state;
    Dataset& data = s.data;
    if (fields.size() != s.columns.size())
        return Error(ErrorKind::InvalidInput,
                     s.position == Position::Line ? data.origin + ':' + std::to_string(number)
                                     + ": row has " + std::to_string(fields.size())
                                     + " fields, the header has " + std::to_string(s.columns.size())
                                                  : data.origin + ", row " + std::to_string(number)
                                     + ": " + std::to_string(fields.size()) + " fields, expected "
                                     + std::to_string(s.columns.size()));
    float label = 0;
    std::string problem;
    for (size_t i = 0; i < fields.size(); ++i) {
        const Field& field = fields[i];
        const Target target = s.targets[i];
        if (target.kind == Target::Kind::Label) {
            TS_TRY(s.parseLabel(field, number, label));
            continue;
        }
        const bool missing = field.null || isMissingMarker(field.text);
        if (target.kind == Target::Kind::Time) {
            std::optional<int64_t> time = TimeColumn::MissingTime;
            if (!missing && !(time = parseTimestamp(field.text)))
                return s.fieldError(number, i, field.text,
                                    "is not a time (expected 2024-03-01 or 2024-03-01 12:30:05)");
            s.rowTimes[target.index] = *time;
            continue;
        }
        float& value = s.rowFeatures[target.index];
        if (missing) {
            value = std::numeric_limits<float>::quiet_NaN();
        } else if (s.columns[i].kind == ColumnKind::Categorical) {
            value = float(s.categoryCode(target.index, trimmed(field.text)));
        } else if (!parseNumber(field.text, value, problem)) {
            return s.fieldError(number, i, field.text, problem);
        }
    }

    const auto cols = size_t(data.cols);
    if (slot == data.rows) {
        data.features.insert(data.features.end(), s.rowFeatures.begin(), s.rowFeatures.end());
        data.labels.push_back(label);
        for (size_t t = 0; t < s.rowTimes.size(); ++t)
            data.timeColumns[t].micros.push_back(s.rowTimes[t]);
        ++data.rows;
    } else {
        std::copy(s.rowFeatures.begin(), s.rowFeatures.end(),
                  data.features.begin() + ptrdiff_t(size_t(slot) * cols));
        data.labels[size_t(slot)] = label;
        for (size_t t = 0; t < s.rowTimes.size(); ++t)
            data.timeColumns[t].micros[size_t(slot)] = s.rowTimes[t];
    }
    if (s.columns[s.labelIndex].kind == ColumnKind::Numeric)
        data.classCount = std::max(data.classCount, int64_t(label) + 1);
    return {};
}

void TableBuilder::reserve(int64_t rows)
{
    Dataset& data = m_state->data;
    data.features.reserve(size_t(rows * data.cols));
    data.labels.reserve(size_t(rows));
    for (TimeColumn& column : data.timeColumns)
        column.micros.reserve(size_t(rows));
}

int64_t TableBuilder::rows() const
{
    return m_state->data.rows;
}

int64_t TableBuilder::columnCount() const
{
    return int64_t(m_state->columns.size());
}

Dataset TableBuilder::finish(const std::vector<int64_t>& sourceOrder)
{
    State& s = *m_state;
    Dataset data = std::move(s.data);
    s.data = Dataset();
    if (!sourceOrder.empty()) {
        const auto cols = size_t(data.cols);
        std::vector<float> features(data.features.size());
        std::vector<float> labels(data.labels.size());
        for (size_t k = 0; k < sourceOrder.size(); ++k) {
            const auto from = size_t(sourceOrder[k]);
            std::copy_n(data.features.begin() + ptrdiff_t(from * cols), cols,
                        features.begin() + ptrdiff_t(k * cols));
            labels[k] = data.labels[from];
        }
        for (TimeColumn& column : data.timeColumns) {
            std::vector<int64_t> micros(column.micros.size());
            for (size_t k = 0; k < sourceOrder.size(); ++k)
                micros[k] = column.micros[size_t(sourceOrder[k])];
            column.micros = std::move(micros);
        }
        data.features = std::move(features);
        data.labels = std::move(labels);
    }
    if (s.columns[s.labelIndex].kind == ColumnKind::Categorical) {
        // Sorted class names: the same classes get the same indices in every read.
        std::vector<int32_t> byName(s.labelNames.size());
        for (size_t i = 0; i < byName.size(); ++i)
            byName[i] = int32_t(i);
        std::sort(byName.begin(), byName.end(), [&](int32_t a, int32_t b) {
            return s.labelNames[size_t(a)] < s.labelNames[size_t(b)];
        });
        std::vector<float> index(byName.size());
        for (size_t k = 0; k < byName.size(); ++k) {
            index[size_t(byName[k])] = float(k);
            data.classNames.push_back(s.labelNames[size_t(byName[k])]);
        }
        for (float& label : data.labels)
            label = index[size_t(label)];
        data.classCount = int64_t(data.classNames.size());
    }
    return data;
}

bool isMissingMarker(std::string_view field)
{
    field = trimmed(field);
    if (field.empty())
        return true;
    if (field.size() > 4)
        return false;
    for (std::string_view marker : { "na", "n/a", "nan", "null" }) {
        if (field.size() == marker.size()
            && std::equal(field.begin(), field.end(), marker.begin(),
                          [](char a, char b) { return std::tolower((unsigned char)a) == b; }))
            return true;
    }
    return false;
}

ColumnKind inferKind(const std::vector<std::string_view>& samples)
{
    bool numeric = true;
    bool time = true;
    for (std::string_view sample : samples) {
        if (isMissingMarker(sample))
            continue;
        float value = 0;
        std::string problem;
        numeric = numeric && parseNumber(sample, value, problem);
        time = time && !numeric && parseTimestamp(sample).has_value();
        if (!numeric && !time)
            return ColumnKind::Categorical;
    }
    return numeric ? ColumnKind::Numeric : ColumnKind::Timestamp;
}

common::Result remapClasses(Dataset& data, const std::vector<std::string>& classNames)
{
    if (data.classNames.empty() && classNames.empty())
        return {};
    if (data.classNames.empty() != classNames.empty())
        return Error(ErrorKind::InvalidInput,
                     data.origin + ": its labels are "
                             + (classNames.empty() ? "class names" : "class indices")
                             + " but the training data's are "
                             + (classNames.empty() ? "class indices" : "class names"));
    std::vector<float> index(data.classNames.size());
    for (size_t i = 0; i < data.classNames.size(); ++i) {
        const auto found = std::find(classNames.begin(), classNames.end(), data.classNames[i]);
        if (found == classNames.end())
            return Error(ErrorKind::InvalidInput,
                         data.origin + ": class '" + data.classNames[i]
                                 + "' does not occur in the training data");
        index[i] = float(found - classNames.begin());
    }
    for (float& label : data.labels)
        label = index[size_t(label)];
    data.classNames = classNames;
    data.classCount = int64_t(classNames.size());
    return {};
}

} // namespace ts::data
