#include "data/category_encoder.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

namespace ts::data {

using common::Error;
using common::ErrorKind;
using common::Expected;

const char* toString(EncodeKind kind)
{
    return kind == EncodeKind::Ordinal ? "ordinal" : "one_hot";
}

CategoryEncoder::CategoryEncoder(EncodeKind kind, std::vector<std::string> categories)
    : m_kind(kind)
    , m_categories(std::move(categories))
{
    for (size_t k = 0; k < m_categories.size(); ++k)
        m_index.emplace(m_categories[k], int32_t(k));
}

namespace {

std::string quotedList(const std::vector<std::string>& names)
{
    std::string text;
    for (const std::string& name : names)
        text += (text.empty() ? "'" : ", '") + name + "'";
    return text;
}

// The texts of the codes that occur in column `col` of `train`, sorted and distinct.
Expected<std::vector<std::string>> seenCategories(const Dataset& train, int64_t col)
{
    const std::vector<std::string>& dictionary = train.columnTypes[size_t(col)].categories;
    std::vector<char> seen(dictionary.size(), 0);
    for (int64_t i = 0; i < train.rows; ++i) {
        const float value = train.row(i)[col];
        const int32_t code = CategoryEncoder::codeOf(value, dictionary.size());
        if (code == CategoryEncoder::BadCode)
            return Error(ErrorKind::Internal,
                         "row " + std::to_string(i + 1) + " of " + train.origin + " holds "
                                 + std::to_string(value) + ", not a code of its "
                                 + std::to_string(dictionary.size()) + " categories");
        if (code >= 0)
            seen[size_t(code)] = 1;
    }
    std::vector<std::string> texts;
    for (size_t c = 0; c < dictionary.size(); ++c)
        if (seen[c])
            texts.push_back(dictionary[c]);
    std::sort(texts.begin(), texts.end());
    texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
    return texts;
}

// A declared ordinal order must place every category seen in training, once.
common::Result checkOrder(const std::vector<std::string>& order,
                          const std::vector<std::string>& seen)
{
    std::unordered_set<std::string> declared;
    for (const std::string& name : order)
        if (!declared.insert(name).second)
            return Error(ErrorKind::InvalidInput, "order lists '" + name + "' twice");
    std::vector<std::string> missing;
    for (const std::string& name : seen)
        if (!declared.count(name))
            missing.push_back(name);
    if (!missing.empty())
        return Error(ErrorKind::InvalidInput,
                     "order misses " + quotedList(missing)
                             + (missing.size() == 1 ? ", seen" : ", all seen")
                             + " in training; add " + (missing.size() == 1 ? "it" : "them")
                             + " to the order");
    return {};
}

} // namespace

Expected<CategoryEncoder> CategoryEncoder::fit(const Dataset& train, int64_t col,
                                               const EncodeSpec& spec)
{
    if (spec.kind == EncodeKind::OneHot && !spec.order.empty())
        return Error(ErrorKind::InvalidInput,
                     "order is for ordinal encoding; one_hot columns are sorted");
    auto seen = seenCategories(train, col);
    TS_TRY(seen);
    if (spec.order.empty())
        return CategoryEncoder(spec.kind, std::move(*seen));
    TS_TRY(checkOrder(spec.order, *seen));
    return CategoryEncoder(spec.kind, spec.order);
}

int64_t CategoryEncoder::width() const
{
    return m_kind == EncodeKind::Ordinal ? 1 : int64_t(m_categories.size());
}

std::vector<std::string> CategoryEncoder::outputNames(const std::string& column) const
{
    if (m_kind == EncodeKind::Ordinal)
        return { column };
    std::vector<std::string> names;
    names.reserve(m_categories.size());
    for (const std::string& category : m_categories)
        names.push_back(column + "=" + category);
    return names;
}

std::vector<int32_t> CategoryEncoder::codeMap(const ColumnType& dictionary) const
{
    std::vector<int32_t> map(dictionary.categories.size(), Unseen);
    for (size_t c = 0; c < map.size(); ++c)
        if (const auto found = m_index.find(dictionary.categories[c]); found != m_index.end())
            map[c] = found->second;
    return map;
}

int32_t CategoryEncoder::codeOf(float value, size_t dictionarySize)
{
    if (std::isnan(value))
        return Missing;
    if (!(value >= 0.0f && double(value) < double(dictionarySize)))
        return BadCode;
    const auto code = int32_t(value);
    return float(code) == value ? code : BadCode;
}

} // namespace ts::data
