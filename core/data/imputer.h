// Imputer: the "prep.impute" step that fills missing feature values (NaN, see csv_reader.h) with a
// per-feature value fitted on the training split only, then applied unchanged to every other
// split (and, later, to rows served in production), before any scaling.
//
//   Mean          the mean of the feature's values in training
//   Median        their median (the mean of the two middle values for an even count, as numpy)
//   MostFrequent  the value seen most often; a tie goes to the smallest value
//   Constant      ImputeSpec::value for every feature
// A feature with no value at all in training (every row NaN) imputes 0 with Mean, Median and
// MostFrequent: there is nothing to learn from, and 0 is the neutral input of a linear layer.
//
// @code
//     const data::Imputer imputer = data::Imputer::fit(train, { data::ImputeStrategy::Median });
//     imputer.apply(train);
//     imputer.apply(test); // filled with the training medians
// @endcode
#pragma once

#include "data/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts::data {

enum class ImputeStrategy { None, Mean, Median, MostFrequent, Constant };

// "none", "mean", "median", "most_frequent", "constant": the spellings of the pipeline spec.
std::string toString(ImputeStrategy strategy);

struct ImputeSpec
{
    ImputeStrategy strategy = ImputeStrategy::None;
    float value = 0; // Constant only
};

class Imputer
{
public:
    // Fits one fill value per feature of `train` (none for ImputeStrategy::None).
    static Imputer fit(const Dataset& train, const ImputeSpec& spec);

    ImputeStrategy strategy() const { return m_strategy; }
    const std::vector<float>& fills() const { return m_fills; }

    // Replaces every NaN feature of `data` by the fill of its column; a no-op for None.
    void apply(Dataset& data) const;

private:
    ImputeStrategy m_strategy = ImputeStrategy::None;
    std::vector<float> m_fills;
};

// The first numeric column (in column order) that holds missing values, for messages.
struct MissingReport
{
    int64_t column = -1;  // -1 when no value is missing
    int64_t count = 0;    // NaN values in that column
    int64_t firstRow = 0; // 1-based data row of the first one (the header not counted)
};

MissingReport findMissing(const Dataset& data);

} // namespace ts::data
