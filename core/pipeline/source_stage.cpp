// The "source" stage: where the rows come from, their column types, and which rows to keep.
#include "pipeline/stage_readers.h"

#include <filesystem>
#include <limits>

namespace ts::pipeline::detail {

std::string resolvePath(const std::string& file, const std::string& baseDir)
{
    std::filesystem::path p(file);
    return p.is_absolute() || baseDir.empty() ? file
                                              : (std::filesystem::path(baseDir) / p).string();
}

namespace {

SplitFiles readSplit(ObjectReader& parent, const std::string& key, SourceFormat format,
                     const std::string& baseDir)
{
    ObjectReader split(parent.required(key), parent.pathOf(key));
    SplitFiles files;
    if (format == SourceFormat::Idx) {
        files.images = resolvePath(split.string("images"), baseDir);
        files.labels = resolvePath(split.string("labels"), baseDir);
    } else if (format == SourceFormat::Csv) {
        files.images = resolvePath(split.string("file"), baseDir);
    } else {
        if (split.has("table") == split.has("query"))
            throw FieldError { split.pathOf("table"),
                               "give either a table (\"table\": \"fashion\") or a query "
                               "(\"query\": \"SELECT ...\"), not both or neither" };
        const std::string none;
        files.table = split.string("table", &none);
        files.query = split.string("query", &none);
    }
    split.finish();
    return files;
}

HoldoutSpec readHoldout(ObjectReader& stage)
{
    ObjectReader split(stage.required("split"), stage.pathOf("split"));
    HoldoutSpec holdout;
    holdout.enabled = true;
    const double test = split.number("test", 0.0, 1.0, 0.2);
    if (test <= 0.0 || test >= 1.0)
        throw FieldError { split.pathOf("test"),
                           "must be between 0 and 1 (exclusive), the "
                           "fraction of rows held out for testing" };
    holdout.split.test = test;
    holdout.split.train = 1.0 - test;
    holdout.split.validation = 0.0;
    const std::string random = "random";
    const std::string method = split.choice("method", { "random", "stratified", "time" }, &random);
    holdout.split.method = method == "stratified" ? data::SplitSpec::Method::Stratified
            : method == "time"                    ? data::SplitSpec::Method::ByTime
                                                  : data::SplitSpec::Method::Random;
    if (method == "time")
        holdout.timeColumn = split.string("timeColumn");
    else if (split.has("timeColumn"))
        throw FieldError { split.pathOf("timeColumn"), "only for method \"time\"" };
    const int64_t zero = 0;
    holdout.split.seed = static_cast<uint64_t>(split.integer("seed", 0, INT64_MAX, &zero));
    split.finish();
    return holdout;
}

// "columns": { "city": "categorical", ... }
void readColumnTypes(ObjectReader& stage, data::CsvOptions& options)
{
    const json* columns = stage.optional("columns");
    if (!columns)
        return;
    ObjectReader reader(*columns, stage.pathOf("columns"));
    for (const auto& [name, value] : columns->items()) {
        const std::string kind = reader.choice(name, { "numeric", "categorical", "timestamp" });
        options.columnTypes.emplace_back(name,
                                         kind == "numeric" ? data::ColumnKind::Numeric
                                                 : kind == "categorical"
                                                 ? data::ColumnKind::Categorical
                                                 : data::ColumnKind::Timestamp);
    }
    reader.finish();
}

// "sample": { "fraction": 0.1 | "rows": 1000, "seed": 1 }, "shard": { "rank": 0, "count": 4 }
void readSelection(ObjectReader& stage, data::RowSelection& selection)
{
    const int64_t zero = 0;
    if (const json* sample = stage.optional("sample")) {
        ObjectReader reader(*sample, stage.pathOf("sample"));
        if (reader.has("fraction") == reader.has("rows"))
            throw FieldError { reader.pathOf("fraction"),
                               "give either a fraction of the rows (\"fraction\": 0.1) or a "
                               "number of rows (\"rows\": 10000), not both or neither" };
        selection.fraction = reader.number("fraction", 0.0, 1.0, 1.0, /*minExclusive=*/true);
        selection.sampleRows = reader.integer("rows", 0, INT64_MAX, &zero);
        if (reader.has("rows") && selection.sampleRows == 0)
            throw FieldError { reader.pathOf("rows"), "must be at least 1" };
        selection.seed = static_cast<uint64_t>(reader.integer("seed", 0, INT64_MAX, &zero));
        reader.finish();
    }
    if (const json* shard = stage.optional("shard")) {
        ObjectReader reader(*shard, stage.pathOf("shard"));
        selection.shardCount = int(reader.integer("count", 1, 65536, nullptr));
        selection.shardRank = int(reader.integer("rank", 0, 65535, nullptr));
        if (selection.shardRank >= selection.shardCount)
            throw FieldError { reader.pathOf("rank"),
                               "must be below count (" + std::to_string(selection.shardCount)
                                       + "): ranks count from 0" };
        selection.shardSeed = static_cast<uint64_t>(reader.integer("seed", 0, INT64_MAX, &zero));
        reader.finish();
    }
}

void readTableOptions(ObjectReader& stage, SourceSpec& source)
{
    const std::string label = "label", comma = ",";
    source.csv.labelColumn = stage.string("labelColumn", &label);
    readColumnTypes(stage, source.csv);
    if (source.format == SourceFormat::Postgres) {
        const std::string environment;
        const json* connection = stage.optional("connection");
        if (connection && !connection->is_string())
            throw FieldError { stage.pathOf("connection"),
                               "must be a libpq connection string, got " + typeName(*connection) };
        source.connection = connection ? connection->get<std::string>() : environment;
        return;
    }
    const std::string delimiter = stage.string("delimiter", &comma);
    if (delimiter.size() != 1 || delimiter == "\"" || delimiter == "\n")
        throw FieldError { stage.pathOf("delimiter"),
                           "must be a single character other than a "
                           "quote or a line break" };
    source.csv.delimiter = delimiter[0];
    source.csv.header = readFlag(stage, "header", true);
    const int64_t inferRows = 1000;
    source.csv.inferRows = stage.integer("inferRows", 1, INT64_MAX, &inferRows);
}

} // namespace

SourceSpec readSource(ObjectReader& stage, const std::string& baseDir)
{
    SourceSpec source;
    const std::string format = stage.choice("format", { "idx", "csv", "postgres" });
    source.format = format == "idx" ? SourceFormat::Idx
            : format == "csv"       ? SourceFormat::Csv
                                    : SourceFormat::Postgres;
    source.train = readSplit(stage, "train", source.format, baseDir);
    if (stage.has("split")) {
        if (stage.has("test"))
            throw FieldError { stage.pathOf("split"),
                               "give either a test source ('test') or a split, not both" };
        source.holdout = readHoldout(stage);
    } else {
        source.test = readSplit(stage, "test", source.format, baseDir);
    }
    readSelection(stage, source.csv.selection);
    if (source.format != SourceFormat::Idx)
        readTableOptions(stage, source);
    stage.finish();
    return source;
}

} // namespace ts::pipeline::detail
