#include "train/data_preparation.h"

#include "common/spelling.h"
#include "data/csv_reader.h"
#include "data/expression.h"
#include "data/idx_reader.h"
#include "data/imputer.h"
#include "data/postgres_reader.h"
#include "data/splits.h"
#include "data/table_builder.h"

#include <algorithm>

namespace ts::train {

using common::Error;
using common::ErrorKind;
using common::Expected;

namespace {

// One split's rows; the row selection (sample, shard) applies to the training rows only.
Expected<data::Dataset> loadFiles(const pipeline::SourceSpec& source,
                                  const pipeline::SplitFiles& files, bool training)
{
    data::CsvOptions options = source.csv;
    if (!training)
        options.selection = {};
    switch (source.format) {
    case pipeline::SourceFormat::Idx: {
        auto images = data::readIdxDataset(files.images, files.labels);
        if (!images || options.selection.keepsEverything())
            return images;
        // IDX files are read whole (they fit in memory); the selection then keeps the same
        // rows a streaming source would.
        data::RowSelector selector(options.selection);
        std::vector<int64_t> slotRows;
        for (int64_t row = 0; row < images->rows; ++row) {
            const int64_t slot = selector.offer(row);
            if (slot == int64_t(slotRows.size()))
                slotRows.push_back(row);
            else if (slot >= 0)
                slotRows[size_t(slot)] = row;
        }
        std::sort(slotRows.begin(), slotRows.end());
        data::Dataset selected = data::selectRows(*images, slotRows);
        selected.origin = images->origin;
        return selected;
    }
    case pipeline::SourceFormat::Csv:
        return data::readCsvDataset(files.images, options);
    case pipeline::SourceFormat::Postgres: {
        data::PostgresSource postgres;
        postgres.connection = source.connection;
        postgres.table = files.table;
        postgres.query = files.query;
        postgres.labelColumn = options.labelColumn;
        postgres.columnTypes = options.columnTypes;
        postgres.selection = options.selection;
        return data::readPostgresDataset(postgres);
    }
    }
    return Error(ErrorKind::Internal, "unknown source format");
}

// Appends every derived column to `dataset`; NaN rows become warnings, not errors.
common::Result deriveColumns(const pipeline::PipelineSpec& spec, data::Dataset& dataset,
                             std::vector<std::string>& warnings)
{
    for (size_t i = 0; i < spec.prep.derive.size(); ++i) {
        const std::string field = "stages.prep.derive[" + std::to_string(i) + "]";
        auto expression = data::parseDefinition(spec.prep.derive[i]);
        if (!expression) // the parser accepted it when the pipeline was loaded
            return std::move(expression).error().wrap(spec.origin + ": " + field);
        auto report = data::deriveColumn(dataset, *expression);
        if (!report)
            return std::move(report).error().wrap(spec.origin + ": " + field + " on "
                                                  + dataset.origin);
        if (report->nanRows > 0)
            warnings.push_back(dataset.origin + ": " + report->summary());
    }
    return {};
}

common::Result holdOut(const pipeline::PipelineSpec& spec, PreparedData& data)
{
    data::SplitSpec split = spec.source.holdout.split;
    if (split.method == data::SplitSpec::Method::ByTime) {
        const auto& names = data.train.columnNames;
        const std::string& wanted = spec.source.holdout.timeColumn;
        const auto found = std::find(names.begin(), names.end(), wanted);
        const auto& times = data.train.timeColumns;
        const auto time = std::find_if(times.begin(), times.end(),
                                       [&](const data::TimeColumn& t) { return t.name == wanted; });
        if (found == names.end() && time != times.end()) {
            split.timestampColumn = time - times.begin();
        } else if (found == names.end()) {
            std::vector<std::string> candidates = names;
            for (const data::TimeColumn& t : times)
                candidates.push_back(t.name);
            const std::string closest = common::closestName(wanted, candidates, 2);
            return Error(ErrorKind::InvalidInput,
                         spec.origin + ": stages.source.split.timeColumn: no column '" + wanted
                                 + "' in " + data.train.origin
                                 + (closest.empty() ? "" : " (did you mean '" + closest + "'?)"));
        } else {
            if (data.train.kindOf(found - names.begin()) != data::ColumnKind::Numeric)
                return Error(ErrorKind::InvalidInput,
                             spec.origin + ": stages.source.split.timeColumn: column '" + wanted
                                     + "' of " + data.train.origin
                                     + " holds categories, not times or numbers");
            split.timeColumn = found - names.begin();
        }
    }
    auto rows = data::splitRows(data.train, split);
    if (!rows)
        return std::move(rows).error().wrap(spec.origin + ": stages.source.split");
    if (rows->train.empty() || rows->test.empty())
        return Error(ErrorKind::InvalidInput,
                     spec.origin + ": stages.source.split: " + data.train.origin + " has "
                             + std::to_string(data.train.rows)
                             + " rows, too few to hold out a test split of "
                             + std::to_string(split.test));
    const std::string origin = data.train.origin;
    data.test = data::selectRows(data.train, rows->test);
    data.train = data::selectRows(data.train, rows->train);
    // Messages about a row then say which split it is a row of.
    data.train.origin = origin + " (training split)";
    data.test.origin = origin + " (test split)";
    return {};
}

} // namespace

Expected<PreparedData> preparePipelineData(const pipeline::PipelineSpec& spec, bool withStats)
{
    PreparedData data;
    auto train = loadFiles(spec.source, spec.source.train, true);
    if (!train)
        return std::move(train).error().wrap(spec.origin + ": training data");
    data.train = std::move(*train);
    TS_TRY(deriveColumns(spec, data.train, data.warnings));
    if (spec.source.holdout.enabled) {
        TS_TRY(holdOut(spec, data));
    } else {
        auto test = loadFiles(spec.source, spec.source.test, false);
        if (!test)
            return std::move(test).error().wrap(spec.origin + ": test data");
        data.test = std::move(*test);
        if (common::Result aligned = data::remapClasses(data.test, data.train.classNames); !aligned)
            return std::move(aligned).error().wrap(spec.origin + ": test data");
        TS_TRY(deriveColumns(spec, data.test, data.warnings));
    }
    if (withStats) {
        data.statsTrain = data::computeStats(data.train);
        data.statsTest = data::computeStats(data.test);
    }
    return data;
}

Expected<int64_t> createRunWithStats(RunRecorder& recorder, const store::NewRun& run,
                                     const PreparedData& data)
{
    auto id = recorder.createRun(run);
    if (!id)
        return std::move(id).error();
    common::Result saved = recorder.saveDatasetStats(*id, "train", data.statsTrain);
    if (saved)
        saved = recorder.saveDatasetStats(*id, "test", data.statsTest);
    if (saved && !data.prepJson.empty())
        saved = recorder.saveFittedPrep(*id, data.prepJson);
    if (!saved) {
        Error error = std::move(saved).error().wrap("storing the data statistics and prep of run "
                                                    + std::to_string(*id));
        (void)recorder.finishRun(*id, store::RunStatus::Failed, error.message());
        return error;
    }
    return id;
}

namespace {

// Without prep.impute a NaN would reach the model and turn the loss into NaN: refuse it early,
// naming the first column with missing values.
common::Result checkNoMissing(const pipeline::PipelineSpec& spec, const data::Dataset& data,
                              const std::string& split)
{
    const data::MissingReport missing = data::findMissing(data);
    if (missing.column < 0)
        return {};
    const auto j = static_cast<size_t>(missing.column);
    const std::string column =
            j < data.columnNames.size() ? data.columnNames[j] : "f" + std::to_string(j);
    return Error(ErrorKind::InvalidInput,
                 spec.origin + ": " + split + " data (" + data.origin + ") has "
                         + std::to_string(missing.count) + " missing value"
                         + (missing.count == 1 ? "" : "s") + " in column '" + column
                         + "' (first at row " + std::to_string(missing.firstRow)
                         + "); add prep.impute, e.g. {\"strategy\": \"median\"}");
}

// Images have no column names; the fitted prep matches columns by name, so they get the names
// the statistics give them ("f0", "f1", ...).
void nameColumns(data::Dataset& data)
{
    if (!data.columnNames.empty() || data.cols == 0)
        return;
    for (int64_t j = 0; j < data.cols; ++j)
        data.columnNames.push_back("f" + std::to_string(j));
}

} // namespace

Expected<data::FittedPrep> applyFittedPrep(const pipeline::PipelineSpec& spec, PreparedData& data,
                                           bool refuseMissing)
{
    // Missing numbers without prep.impute are refused on the raw values, where the message can
    // name the column the user knows (the scaling would spread a NaN over the whole column), and
    // again after the encoding, which makes an unseen ordinal category NaN.
    const bool refuse = refuseMissing && spec.prep.impute.strategy == data::ImputeStrategy::None;
    if (refuse) {
        TS_TRY(checkNoMissing(spec, data.train, "training"));
        TS_TRY(checkNoMissing(spec, data.test, "test"));
    }
    nameColumns(data.train);
    nameColumns(data.test);
    auto prep = data::FittedPrep::fit(data.train, spec.prep.transforms());
    if (!prep)
        return std::move(prep).error().wrap(spec.origin + ": stages.prep");
    if (common::Result applied = prep->apply(data.train); !applied)
        return std::move(applied).error().wrap(spec.origin + ": stages.prep");
    if (common::Result applied = prep->apply(data.test); !applied)
        return std::move(applied).error().wrap(spec.origin + ": stages.prep");
    if (refuse) {
        TS_TRY(checkNoMissing(spec, data.train, "training"));
        TS_TRY(checkNoMissing(spec, data.test, "test"));
    }
    return prep;
}

} // namespace ts::train
