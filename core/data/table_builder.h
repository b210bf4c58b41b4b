// TableBuilder: rows of text fields -> a Dataset with typed columns (data/dataset.h).
//
// Every table source (CSV files, PostgreSQL results) hands its rows to a TableBuilder, so numbers,
// categories, times, missing values and labels read the same wherever the table came from, and
// every bad value gets the same kind of message:
//   "train.csv:9, column 'age' (field 3): 'abc' is not a number"
//
// Missing values: an empty field or one of the markers NA, N/A, NaN and null (any case) is a
// missing value in a feature column (NaN, or TimeColumn::MissingTime); a source with real NULLs
// passes an empty view with `missing` set. The label column must always hold a value.
//
// Labels: a Numeric label column holds class indices (non-negative integers below 2^24); a
// Categorical one holds class names, sorted by finish() so that the same classes always get the
// same indices (remapClasses aligns a second read, a test file, to them).
#pragma once

#include "common/result.h"
#include "data/dataset.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ts::data {

struct TableColumn
{
    std::string name;
    ColumnKind kind = ColumnKind::Numeric;
    // Appended to the error of a value of the wrong kind, e.g. "(inferred from the first 1000
    // rows; declare the column's type in source.columns)".
    std::string kindHint;
};

// One field of a row: its text, or a NULL.
struct Field
{
    std::string_view text;
    bool null = false;
};

class TableBuilder
{
public:
    // How error messages place a row: "train.csv:17" (Line) or "query result, row 17" (Row).
    enum class Position { Line, Row };

    // `columns`: every column of the source in order, the label column among them.
    // Fails (NotFound) when `labelColumn` is not one of them, naming the columns there are, and
    // (InvalidInput) when two columns share a name or the label column is a Timestamp.
    static common::Expected<TableBuilder> create(std::vector<TableColumn> columns,
                                                 const std::string& labelColumn, std::string origin,
                                                 Position position = Position::Line);

    TableBuilder(TableBuilder&&) noexcept;
    TableBuilder& operator=(TableBuilder&&) noexcept;
    ~TableBuilder();

    // Parses `fields` (one per column, in column order) into row `slot`: rows() appends a row,
    // a smaller slot replaces that row (reservoir sampling). `number` is the line or row number
    // for messages. On error nothing of the row is kept.
    common::Result setRow(int64_t slot, const std::vector<Field>& fields, int64_t number);

    // Room for `rows` rows, so a large table grows without copying itself (and without the
    // doubled peak memory of growing by copies).
    void reserve(int64_t rows);

    int64_t rows() const;
    int64_t columnCount() const; // every column of the source, label included

    // The finished Dataset; `sourceOrder` (RowSelector::sourceOrder) reorders its rows first.
    // The builder is empty afterwards.
    Dataset finish(const std::vector<int64_t>& sourceOrder = {});

private:
    struct State;
    explicit TableBuilder(std::unique_ptr<State> state);
    std::unique_ptr<State> m_state;
};

// An empty field or a "no value" marker (NA, N/A, NaN, null in any case; spaces ignored).
bool isMissingMarker(std::string_view field);

// The kind a column of these sample values has: Numeric when every value that is not missing is
// a number, else Timestamp when every one is a time (data/timestamp.h), else Categorical. A
// column with no values at all is Numeric.
ColumnKind inferKind(const std::vector<std::string_view>& samples);

// Re-indexes the labels of `data` (a second read of the same source, e.g. the test file) to
// `classNames` (those of the training data), by name. Fails, naming the class and the origin, when
// `data` holds a class the training data lacks; a no-op when both have integer labels. Fails too
// when one has class names and the other integer labels.
common::Result remapClasses(Dataset& data, const std::vector<std::string>& classNames);

} // namespace ts::data
