// Reader for numeric CSV tables with a header row.
//
// Every column but the label is a float feature; the label column holds non-negative integer
// class indices. Empty lines are skipped; fields may be quoted ("1.5").
//
// Missing values: an empty feature field, or one of the markers NA, N/A, NaN and null (any case,
// quoted or not), reads as NaN, which the rest of TrainStudio counts as missing (feature_stats.h)
// and prep.impute fills in (imputer.h). The label column must always hold a value.
//
// Every error names the file, the line, the column and what was expected:
//   "train.csv:17: row has 5 fields, the header has 6"
//   "train.csv:9, column 'age' (field 3): 'abc' is not a number"
// ErrorKind::NotFound for a missing file, ErrorKind::InvalidInput for bad content.
#pragma once

#include "common/result.h"
#include "data/dataset.h"

#include <string>

namespace ts::data {

struct CsvOptions
{
    char delimiter = ',';
    std::string labelColumn = "label"; // the header name of the class column
};

common::Expected<Dataset> readCsvDataset(const std::string& path, const CsvOptions& options = {});

} // namespace ts::data
