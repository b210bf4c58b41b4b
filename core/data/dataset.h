// Dataset: a table of float features and integer class labels held in host memory.
//
// Readers (IDX, CSV, PostgreSQL) produce it, prep transforms rewrite its features, and the batcher
// copies rows of it into backend tensors. Features are rows x cols, row-major.
//
// Typed columns. A table source may hold text and time columns beside numbers:
//   Numeric      the value itself; NaN is a missing value
//   Categorical  the code of the value in columnTypes[j].categories (0, 1, 2, ... in the order the
//                reader met them; a float holds codes exactly up to 2^24); NaN is missing. Codes
//                differ between two reads, so transforms look values up by their text, never by
//                code (data/fitted_prep.h encodes them into numbers for the model).
//   Timestamp    not a feature: a time orders and splits rows but a raw epoch is no model input,
//                so time columns live in timeColumns, exact to the microsecond.
// After prep every feature is Numeric.
//
// Labels are class indices. A source whose label column holds text ("sneaker") names its classes
// in classNames (sorted, so every read of the same classes gives the same indices); integer labels
// leave classNames empty.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ts::data {

enum class ColumnKind { Numeric, Categorical, Timestamp };

// "numeric", "categorical", "timestamp": the spellings of the pipeline spec.
const char* toString(ColumnKind kind);

struct ColumnType
{
    ColumnKind kind = ColumnKind::Numeric;
    std::vector<std::string> categories; // Categorical: the text of each code
};

// A time column: microseconds since 1970-01-01 00:00 UTC per row; missing times are
// MissingTime.
struct TimeColumn
{
    static constexpr int64_t MissingTime = INT64_MIN;
    std::string name;
    std::vector<int64_t> micros;
};

struct Dataset
{
    int64_t rows = 0;
    int64_t cols = 0;
    std::vector<float> features; // rows * cols values
    std::vector<float> labels;   // rows class indices in [0, classCount)
    int64_t classCount = 0;
    // The shape of one sample's features: {height, width, channels} for images (NHWC, so a
    // batch tensor is batch x height x width x channels), {cols} for tables. Empty = {cols}.
    std::vector<int64_t> sampleShape;
    std::vector<std::string> columnNames; // feature names when the source has them (CSV header)
    std::vector<ColumnType> columnTypes;  // one per feature, or empty when every one is Numeric
    std::vector<TimeColumn> timeColumns;  // time columns of the source, in source order
    std::vector<std::string> classNames;  // the text of each class index, or empty
    std::string origin;                   // where it came from, for messages ("train.csv")

    const float* row(int64_t i) const { return features.data() + i * cols; }
    ColumnKind kindOf(int64_t col) const
    {
        return columnTypes.empty() ? ColumnKind::Numeric : columnTypes[size_t(col)].kind;
    }
};

} // namespace ts::data
