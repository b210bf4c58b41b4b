// CategoryEncoder: step 1 of the fitted prep (data/fitted_prep.h), the encoding of one categorical
// column into numbers, fitted on the training rows.
//
// A Categorical feature holds codes into its dataset's own dictionary (ColumnType::categories),
// and two reads of the same file may number the same text differently. The encoder therefore
// keeps category *texts*, and each apply maps the dictionary of the dataset at hand to them once
// (codeMap), so that the per-row work is an array lookup, never a string comparison:
//
// @code
//     auto encoder = CategoryEncoder::fit(train, j, spec); // categories {"Lyon", "Paris"}
//     const std::vector<int32_t> map = encoder->codeMap(test.columnTypes[k]);
//     // test code c holds text test.columnTypes[k].categories[c]; map[c] is its index in the
//     // encoder's categories, or CategoryEncoder::Unseen
// @endcode
//
// One-hot writes width() = categories().size() columns of 0/1 (all zeros for an unseen or
// missing value); ordinal writes one column holding the index, or NaN for an unseen or missing
// value.
#pragma once

#include "common/result.h" // for Expected
#include "data/dataset.h"
#include "data/fitted_prep.h" // for EncodeKind, EncodeSpec

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>
#include <vector>

namespace ts::data {

// "one_hot", "ordinal": the spellings of the pipeline spec and of the stored prep.
const char* toString(EncodeKind kind);

class CategoryEncoder
{
public:
    static constexpr int32_t Unseen = -1;  // codeMap: the text was not seen in training
    static constexpr int32_t BadCode = -2; // codeOf: not a code of the dictionary
    static constexpr int32_t Missing = -3; // codeOf: NaN

    CategoryEncoder() = default;
    // `categories` in output order, without duplicates.
    CategoryEncoder(EncodeKind kind, std::vector<std::string> categories);

    // Fits on column `col` of `train`: the categories whose codes occur in its rows (a dictionary
    // may name more), sorted, or in `spec.order` for a declared ordinal order. Fails with
    // InvalidInput when the declared order misses a category seen in training or repeats one,
    // or when the column holds a value that is not a code of its dictionary.
    static common::Expected<CategoryEncoder> fit(const Dataset& train, int64_t col,
                                                 const EncodeSpec& spec);

    EncodeKind kind() const { return m_kind; }
    const std::vector<std::string>& categories() const { return m_categories; }
    // Output columns written per input column.
    int64_t width() const;
    // "city=Lyon", "city=Paris" for one-hot; "city" for ordinal.
    std::vector<std::string> outputNames(const std::string& column) const;

    // For each code of `dictionary`, the index of its text in categories(), or Unseen.
    std::vector<int32_t> codeMap(const ColumnType& dictionary) const;
    // Writes the encoding of category index `index` (Unseen for unseen or missing) to `out`.
    void write(int32_t index, float* out) const
    {
        if (m_kind == EncodeKind::Ordinal) {
            *out = index >= 0 ? float(index) : std::numeric_limits<float>::quiet_NaN();
            return;
        }
        for (size_t k = 0; k < m_categories.size(); ++k)
            out[k] = 0.0f;
        if (index >= 0)
            out[index] = 1.0f;
    }

    // The dictionary code that a stored feature value holds, Missing or BadCode.
    static int32_t codeOf(float value, size_t dictionarySize);

private:
    EncodeKind m_kind = EncodeKind::OneHot;
    std::vector<std::string> m_categories;
    std::unordered_map<std::string, int32_t> m_index; // text -> index in m_categories
};

} // namespace ts::data
