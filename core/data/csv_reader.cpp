#include "data/csv_reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv> // for std::from_chars
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string_view>
#include <vector>

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

// Splits one line into fields. A quoted field may hold the delimiter and "" for a quote, but it
// ends on its line: numeric tables have no multi-line values, and a stray quote is then reported
// on the line where it is instead of at the end of the file. Returns false for an unterminated
// quote or text after a closing quote, with `problem` saying which.
bool splitLine(std::string_view line, char delimiter, std::vector<std::string>& fields,
               std::string& problem)
{
    fields.clear();
    size_t i = 0;
    for (;;) {
        std::string field;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && line[i] != delimiter)
            ++i;
        if (i < line.size() && line[i] == '"') {
            const size_t opening = i++;
            for (;;) {
                if (i >= line.size()) {
                    problem = "unterminated quote: the quote opened at column "
                            + std::to_string(opening + 1) + " is not closed on this line";
                    return false;
                }
                if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                    field += '"';
                    i += 2;
                } else if (line[i] == '"') {
                    ++i;
                    break;
                } else {
                    field += line[i++];
                }
            }
            while (i < line.size() && (line[i] == ' ' || line[i] == '\t') && line[i] != delimiter)
                ++i;
            if (i < line.size() && line[i] != delimiter) {
                problem = "unexpected text after the closing quote at column "
                        + std::to_string(i + 1);
                return false;
            }
        } else {
            const size_t end = std::min(line.find(delimiter, i), line.size());
            field.assign(line.substr(i, end - i));
            i = end;
        }
        fields.push_back(std::move(field));
        if (i >= line.size())
            return true;
        ++i; // the delimiter
    }
}

// "abc" when the whole field (spaces aside) is not a finite float.
bool parseFeature(std::string_view field, float& value, std::string& problem)
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

// An empty feature field or a marker spreadsheets and pandas write for "no value".
bool isMissingMarker(std::string_view field)
{
    field = trimmed(field);
    if (field.empty())
        return true;
    for (std::string_view marker : { "na", "n/a", "nan", "null" }) {
        if (field.size() == marker.size()
            && std::equal(field.begin(), field.end(), marker.begin(),
                          [](char a, char b) { return std::tolower((unsigned char)a) == b; }))
            return true;
    }
    return false;
}

bool parseLabel(std::string_view field, float& label, std::string& problem)
{
    field = trimmed(field);
    int64_t value = -1;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (ec != std::errc() || end != field.data() + field.size() || value < 0) {
        problem = "is not a class index (a non-negative integer)";
        return false;
    }
    if (value >= LabelMax) {
        problem = "is too large for a class index (at most " + std::to_string(LabelMax - 1) + ")";
        return false;
    }
    label = float(value);
    return true;
}

class CsvParser
{
public:
    CsvParser(const std::string& path, const CsvOptions& options)
        : m_path(path)
        , m_options(options)
    {}

    common::Result header(const std::string& line, int64_t lineNumber, Dataset& dataset);
    common::Result row(const std::string& line, int64_t lineNumber, Dataset& dataset);

private:
    Error lineError(int64_t lineNumber, const std::string& what) const
    {
        return Error(ErrorKind::InvalidInput,
                     m_path + ':' + std::to_string(lineNumber) + ": " + what);
    }

    const std::string& m_path;
    const CsvOptions& m_options;
    std::vector<std::string> m_names; // every header field, the label column included
    size_t m_labelIndex = 0;
    std::vector<std::string> m_fields; // reused: one allocation for the whole file
};

common::Result CsvParser::header(const std::string& line, int64_t lineNumber, Dataset& dataset)
{
    std::string problem;
    if (!splitLine(line, m_options.delimiter, m_names, problem))
        return lineError(lineNumber, "header: " + problem);
    std::string columns;
    for (auto& name : m_names) {
        name = std::string(trimmed(name));
        columns += (columns.empty() ? "" : ", ") + name;
    }
    const auto label = std::find(m_names.begin(), m_names.end(), m_options.labelColumn);
    if (label == m_names.end()) {
        return Error(ErrorKind::NotFound,
                     m_path + ": no column '" + m_options.labelColumn
                             + "' in the header (columns: " + columns + ")");
    }
    m_labelIndex = size_t(label - m_names.begin());
    for (size_t i = 0; i < m_names.size(); ++i) {
        if (i != m_labelIndex)
            dataset.columnNames.push_back(m_names[i]);
    }
    dataset.cols = int64_t(dataset.columnNames.size());
    return {};
}

common::Result CsvParser::row(const std::string& line, int64_t lineNumber, Dataset& dataset)
{
    std::string problem;
    if (!splitLine(line, m_options.delimiter, m_fields, problem))
        return lineError(lineNumber, problem);
    if (m_fields.size() != m_names.size()) {
        return lineError(lineNumber,
                         "row has " + std::to_string(m_fields.size()) + " fields, the header has "
                                 + std::to_string(m_names.size()));
    }
    for (size_t i = 0; i < m_fields.size(); ++i) {
        const std::string& field = m_fields[i];
        float value = 0;
        bool ok = false;
        if (i == m_labelIndex && trimmed(field).empty()) {
            problem = "is empty; every row needs a class index in the label column";
        } else if (i == m_labelIndex) {
            ok = parseLabel(field, value, problem);
        } else if (isMissingMarker(field)) {
            value = std::numeric_limits<float>::quiet_NaN();
            ok = true;
        } else {
            ok = parseFeature(field, value, problem);
        }
        if (!ok) {
            return Error(ErrorKind::InvalidInput,
                         m_path + ':' + std::to_string(lineNumber) + ", column '" + m_names[i]
                                 + "' (field " + std::to_string(i + 1) + "): '" + field + "' "
                                 + problem);
        }
        if (i == m_labelIndex) {
            dataset.labels.push_back(value);
            dataset.classCount = std::max(dataset.classCount, int64_t(value) + 1);
        } else {
            dataset.features.push_back(value);
        }
    }
    ++dataset.rows;
    return {};
}

common::Expected<std::ifstream> openFile(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return Error(ErrorKind::NotFound, path + ": no such file");
    if (std::filesystem::is_directory(path, ec))
        return Error(ErrorKind::InvalidInput, path + ": is a folder, not a CSV file");
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return Error(ErrorKind::Io, path + ": cannot open: " + std::strerror(errno));
    return file;
}

} // namespace

common::Expected<Dataset> readCsvDataset(const std::string& path, const CsvOptions& options)
{
    auto file = openFile(path);
    TS_TRY(file);

    Dataset dataset;
    dataset.origin = path;
    CsvParser parser(path, options);
    bool haveHeader = false;
    std::string line;
    for (int64_t lineNumber = 1; std::getline(*file, line); ++lineNumber) {
        if (!line.empty() && line.back() == '\r')
            line.pop_back(); // CRLF from Windows tools
        if (lineNumber == 1 && line.starts_with("\xEF\xBB\xBF"))
            line.erase(0, 3); // the UTF-8 byte order mark spreadsheets write
        if (trimmed(line).empty())
            continue;
        if (haveHeader) {
            TS_TRY(parser.row(line, lineNumber, dataset));
        } else {
            TS_TRY(parser.header(line, lineNumber, dataset));
            haveHeader = true;
        }
    }
    if (file->bad())
        return Error(ErrorKind::Io, path + ": read error: " + std::strerror(errno));
    if (!haveHeader)
        return Error(ErrorKind::InvalidInput, path + ": the file is empty; a header row is needed");
    return dataset;
}

} // namespace ts::data
