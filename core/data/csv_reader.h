// Reader for CSV tables: typed columns, quoted fields, missing values, any delimiter, with or
// without a header, streamed so a file larger than memory can be sampled or sharded.
//
// Columns. Each column is Numeric, Categorical (text) or Timestamp (data/dataset.h). A column's
// type is declared in CsvOptions::columnTypes or inferred from the first `inferRows` data rows
// (data/table_builder.h, inferKind): numbers make it Numeric, ISO dates and times Timestamp,
// anything else Categorical. A later value that does not fit an inferred type is an error that
// says the type was inferred and how to declare it. The label column holds class indices
// (integers) or class names.
//
// Fields may be quoted ("1,5" or "say ""hi"""); a quoted field ends on its line. Empty lines are
// skipped; a UTF-8 byte order mark and CRLF line ends are accepted. Missing values: an empty field
// or NA, N/A, NaN, null (any case).
//
// Streaming. The file is read in blocks (data/line_reader.h) and CsvOptions::selection decides row
// by row which rows are kept (data/row_selection.h), so memory holds only the kept rows; rows a
// selection skips are split into fields (to count them) but not parsed.
//
// Every error names the file, the line, the column and what was expected:
//   "train.csv:17: row has 5 fields, the header has 6"
//   "train.csv:9, column 'age' (field 3): 'abc' is not a number"
//   "train.csv:4: unterminated quote: the quote opened at column 7 is not closed on this line"
// ErrorKind::NotFound for a missing file or column, ErrorKind::InvalidInput for bad content.
#pragma once

#include "common/result.h"
#include "data/dataset.h"
#include "data/row_selection.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ts::data {

struct CsvOptions
{
    char delimiter = ',';
    // Without a header row the columns are named column1, column2, ... (labelColumn names one).
    bool header = true;
    std::string labelColumn = "label"; // the name of the class column
    // Declared column types, by name; the others are inferred.
    std::vector<std::pair<std::string, ColumnKind>> columnTypes;
    int64_t inferRows = 1000; // data rows read to infer the undeclared column types
    RowSelection selection;   // which rows to keep; every row by default
};

common::Expected<Dataset> readCsvDataset(const std::string& path, const CsvOptions& options = {});

} // namespace ts::data
