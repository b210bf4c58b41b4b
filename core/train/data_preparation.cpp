#include "train/data_preparation.h"

#include "common/spelling.h"
#include "data/csv_reader.h"
#include "data/expression.h"
#include "data/idx_reader.h"
#include "data/imputer.h"
#include "data/normalizer.h"
#include "data/splits.h"

#include <algorithm>

namespace ts::train {

using common::Error;
using common::ErrorKind;
using common::Expected;

namespace {

Expected<data::Dataset> loadFiles(const pipeline::SourceSpec& source,
                                  const pipeline::SplitFiles& files)
{
    if (source.format == pipeline::SourceFormat::Idx)
        return data::readIdxDataset(files.images, files.labels);
    return data::readCsvDataset(files.images, source.csv);
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
        if (found == names.end()) {
            const std::string closest = common::closestName(wanted, names, 2);
            return Error(ErrorKind::InvalidInput,
                         spec.origin + ": stages.source.split.timeColumn: no column '" + wanted
                                 + "' in " + data.train.origin
                                 + (closest.empty() ? "" : " (did you mean '" + closest + "'?)"));
        }
        split.timeColumn = found - names.begin();
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
    data.test = data::selectRows(data.train, rows->test);
    data.train = data::selectRows(data.train, rows->train);
    return {};
}

} // namespace

Expected<PreparedData> preparePipelineData(const pipeline::PipelineSpec& spec, bool withStats)
{
    PreparedData data;
    auto train = loadFiles(spec.source, spec.source.train);
    if (!train)
        return std::move(train).error().wrap(spec.origin + ": training data");
    data.train = std::move(*train);
    TS_TRY(deriveColumns(spec, data.train, data.warnings));
    if (spec.source.holdout.enabled) {
        TS_TRY(holdOut(spec, data));
    } else {
        auto test = loadFiles(spec.source, spec.source.test);
        if (!test)
            return std::move(test).error().wrap(spec.origin + ": test data");
        data.test = std::move(*test);
        TS_TRY(deriveColumns(spec, data.test, data.warnings));
    }
    if (withStats) {
        data.statsTrain = data::computeStats(data.train);
        data.statsTest = data::computeStats(data.test);
    }
    return data;
}

Expected<int64_t> createRunWithStats(store::ExperimentStore& store, const store::NewRun& run,
                                     const PreparedData& data)
{
    auto id = store.createRun(run);
    if (!id)
        return std::move(id).error();
    common::Result saved = store.saveDatasetStats(*id, "train", data.statsTrain);
    if (saved)
        saved = store.saveDatasetStats(*id, "test", data.statsTest);
    if (!saved) {
        Error error = std::move(saved).error().wrap("storing the data statistics of run "
                                                    + std::to_string(*id));
        (void)store.finishRun(*id, store::RunStatus::Failed, error.message());
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

} // namespace

common::Result applyFittedPrep(const pipeline::PipelineSpec& spec, PreparedData& data,
                               bool refuseMissing)
{
    if (refuseMissing && spec.prep.impute.strategy == data::ImputeStrategy::None) {
        TS_TRY(checkNoMissing(spec, data.train, "training"));
        TS_TRY(checkNoMissing(spec, data.test, "test"));
    }
    const auto imputer = data::Imputer::fit(data.train, spec.prep.impute);
    imputer.apply(data.train);
    imputer.apply(data.test);
    const auto normalizer = data::Normalizer::fit(data.train, spec.prep.scale);
    normalizer.apply(data.train);
    normalizer.apply(data.test);
    return {};
}

} // namespace ts::train
