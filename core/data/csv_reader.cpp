#include "data/csv_reader.h"

#include "common/spelling.h"
#include "data/line_reader.h"
#include "data/table_builder.h"

#include <algorithm>
#include <filesystem>
#include <string_view>
#include <vector>

namespace ts::data {
namespace {

using common::Error;
using common::ErrorKind;

std::string_view trimmed(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos)
        return {};
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool isBlank(char c, char delimiter)
{
    return (c == ' ' || c == '\t') && c != delimiter;
}

// Splits one line into fields: views into `line`, or into `scratch` for quoted fields that held
// "" (unescaped there). A quoted field may hold the delimiter and "" for a quote, but it ends on
// its line, so a stray quote is reported on the line where it is instead of at the end of the file.
// Returns false for an unterminated quote or text after a closing quote, with `problem` saying
// which.
bool splitLine(std::string_view line, char delimiter, std::vector<Field>& fields,
               std::string& scratch, std::string& problem)
{
    fields.clear();
    scratch.clear();
    scratch.reserve(line.size()); // never reallocates below: views into it stay valid
    size_t i = 0;
    for (;;) {
        Field field;
        while (i < line.size() && isBlank(line[i], delimiter))
            ++i;
        if (i < line.size() && line[i] == '"') {
            const size_t opening = i++;
            const size_t start = i;
            const size_t scratchStart = scratch.size();
            bool escaped = false;
            for (;;) {
                if (i >= line.size()) {
                    problem = "unterminated quote: the quote opened at column "
                            + std::to_string(opening + 1) + " is not closed on this line";
                    return false;
                }
                if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                    if (!escaped)
                        scratch.append(line.substr(start, i - start));
                    escaped = true;
                    scratch += '"';
                    i += 2;
                } else if (line[i] == '"') {
                    break;
                } else {
                    if (escaped)
                        scratch += line[i];
                    ++i;
                }
            }
            field.text = escaped ? std::string_view(scratch).substr(scratchStart)
                                 : line.substr(start, i - start);
            ++i; // the closing quote
            while (i < line.size() && isBlank(line[i], delimiter))
                ++i;
            if (i < line.size() && line[i] != delimiter) {
                problem = "unexpected text after the closing quote at column "
                        + std::to_string(i + 1);
                return false;
            }
        } else {
            const size_t end = std::min(line.find(delimiter, i), line.size());
            field.text = line.substr(i, end - i);
            i = end;
        }
        fields.push_back(field);
        if (i >= line.size())
            return true;
        ++i; // the delimiter
    }
}

Error lineError(const std::string& path, int64_t line, const std::string& what)
{
    return Error(ErrorKind::InvalidInput, path + ':' + std::to_string(line) + ": " + what);
}

// The next line that is not blank, with the byte order mark of the first line removed.
bool nextLine(LineReader& reader, std::string_view& line)
{
    while (reader.next(line)) {
        if (reader.lineNumber() == 1 && line.starts_with("\xEF\xBB\xBF"))
            line.remove_prefix(3); // the UTF-8 byte order mark spreadsheets write
        if (!trimmed(line).empty())
            return true;
    }
    return false;
}

// The column names (from the header, or column1.. from the first row's width) and their types
// (declared, or inferred from the first rows). Reads from the start of the file.
common::Expected<std::vector<TableColumn>> readSchema(const std::string& path,
                                                      const CsvOptions& options)
{
    auto reader = LineReader::open(path);
    TS_TRY(reader);
    std::vector<Field> fields;
    std::string scratch, problem;
    std::string_view line;
    if (!nextLine(*reader, line)) {
        if (!reader->error().empty())
            return Error(ErrorKind::Io, reader->error());
        return Error(ErrorKind::InvalidInput,
                     path + ": the file is empty; " + (options.header ? "a header row" : "a row")
                             + " is needed");
    }
    if (!splitLine(line, options.delimiter, fields, scratch, problem))
        return lineError(path, reader->lineNumber(), (options.header ? "header: " : "") + problem);

    std::vector<TableColumn> columns(fields.size());
    std::vector<std::vector<std::string>> samples(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
        columns[i].name = options.header ? std::string(trimmed(fields[i].text))
                                         : "column" + std::to_string(i + 1);
        if (!options.header)
            samples[i].emplace_back(fields[i].text);
    }
    for (int64_t row = options.header ? 0 : 1; row < options.inferRows && nextLine(*reader, line);
         ++row) {
        if (!splitLine(line, options.delimiter, fields, scratch, problem))
            return lineError(path, reader->lineNumber(), problem);
        for (size_t i = 0; i < std::min(fields.size(), columns.size()); ++i)
            samples[i].emplace_back(fields[i].text);
    }

    std::vector<std::string> names;
    for (const TableColumn& column : columns)
        names.push_back(column.name);
    for (const auto& [name, kind] : options.columnTypes) {
        const auto found = std::find(names.begin(), names.end(), name);
        if (found == names.end()) {
            const std::string closest = common::closestName(name, names, 2);
            return Error(ErrorKind::NotFound,
                         path + ": a type is declared for column '" + name
                                 + "', which the file does not have"
                                 + (closest.empty() ? "" : " (did you mean '" + closest + "'?)"));
        }
    }
    const std::string hint = "(the column's type was inferred from the first "
            + (options.inferRows == 1 ? std::string("row")
                                      : std::to_string(options.inferRows) + " rows")
            + "; declare it in the source's \"columns\", e.g. {\"<name>\": \"categorical\"})";
    for (size_t i = 0; i < columns.size(); ++i) {
        const auto declared =
                std::find_if(options.columnTypes.begin(), options.columnTypes.end(),
                             [&](const auto& d) { return d.first == columns[i].name; });
        if (declared != options.columnTypes.end()) {
            columns[i].kind = declared->second;
            continue;
        }
        std::vector<std::string_view> views(samples[i].begin(), samples[i].end());
        columns[i].kind = inferKind(views);
        if (columns[i].name == options.labelColumn && columns[i].kind == ColumnKind::Timestamp)
            columns[i].kind = ColumnKind::Categorical;
        columns[i].kindHint = hint;
        const size_t at = columns[i].kindHint.find("<name>");
        columns[i].kindHint.replace(at, 6, columns[i].name);
    }
    return columns;
}

// Rows read before the reader estimates how many the file holds.
constexpr int64_t EstimateRows = 1024;

// The rows `selection` will keep of a file of `fileBytes` whose first `rows` rows took
// `bytes`, with a little room for longer rows further down.
int64_t expectedRows(const RowSelection& selection, int64_t rows, int64_t bytes,
                     uintmax_t fileBytes)
{
    double expected = double(fileBytes) / (double(bytes) / double(rows)) * 1.05;
    expected *= selection.fraction / selection.shardCount;
    if (selection.sampleRows > 0)
        expected = std::min(expected, double(selection.sampleRows));
    return int64_t(expected) + 1;
}

} // namespace

common::Expected<Dataset> readCsvDataset(const std::string& path, const CsvOptions& options)
{
    auto columns = readSchema(path, options);
    TS_TRY(columns);
    auto builder = TableBuilder::create(std::move(*columns), options.labelColumn, path);
    TS_TRY(builder);
    auto reader = LineReader::open(path);
    TS_TRY(reader);

    RowSelector selector(options.selection);
    std::vector<Field> fields;
    std::string scratch, problem;
    std::string_view line;
    if (options.header)
        nextLine(*reader, line);
    std::error_code ec;
    const auto fileBytes = std::filesystem::file_size(path, ec);
    int64_t bytesSeen = 0;
    for (int64_t row = 0; nextLine(*reader, line); ++row) {
        if (row < EstimateRows) {
            bytesSeen += int64_t(line.size()) + 1;
            if (row + 1 == EstimateRows && !ec)
                builder->reserve(expectedRows(options.selection, row + 1, bytesSeen, fileBytes));
        }
        if (!splitLine(line, options.delimiter, fields, scratch, problem))
            return lineError(path, reader->lineNumber(), problem);
        const int64_t slot = selector.offer(row);
        if (slot < 0) {
            // A skipped row is not parsed, but a ragged one still means a broken file.
            if (fields.size() != size_t(builder->columnCount()))
                return lineError(path, reader->lineNumber(),
                                 "row has " + std::to_string(fields.size())
                                         + " fields, the header has "
                                         + std::to_string(builder->columnCount()));
            continue;
        }
        TS_TRY(builder->setRow(slot, fields, reader->lineNumber()));
    }
    if (!reader->error().empty())
        return Error(ErrorKind::Io, reader->error());
    return builder->finish(selector.sourceOrder());
}

} // namespace ts::data
