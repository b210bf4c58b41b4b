#include "data_command.h"

#include "cli_common.h"
#include "data/feature_stats.h"
#include "pipeline/pipeline_parser.h"
#include "train/data_preparation.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace ts::cli {

namespace {

using nlohmann::json;

// Wide data (784 pixels) shows this many features; the JSON output has all of them.
constexpr int64_t FeaturesShown = 20;

struct DataArgs
{
    std::string pipeline;
    int64_t rows = 5;
    bool json = false;
};

json toJson(const data::FeatureStats& f)
{
    // nlohmann writes NaN (a feature without values) as null.
    return { { "name", f.name },
             { "count", f.count },
             { "missing", f.missing },
             { "mean", f.mean },
             { "std", f.stddev },
             { "min", f.min },
             { "max", f.max },
             { "quantiles", f.quantiles },
             { "binEdges", f.binEdges },
             { "binCounts", f.binCounts },
             { "categories", f.categories } };
}

void printJson(const train::PreparedData& data, int64_t rows)
{
    json out = { { "rows", json::array() },
                 { "rowLabels", json::array() },
                 { "features", json::array() },
                 { "labels", data.statsTrain.labelCounts },
                 { "trainRows", data.train.rows },
                 { "testRows", data.test.rows },
                 { "columns", data.train.columnNames },
                 { "classNames", data.train.classNames } };
    for (int64_t r = 0; r < rows; ++r) {
        out["rows"].push_back(
                std::vector<float>(data.train.row(r), data.train.row(r) + data.train.cols));
        out["rowLabels"].push_back(int64_t(data.train.labels[size_t(r)]));
    }
    for (const auto& f : data.statsTrain.features)
        out["features"].push_back(toJson(f));
    std::printf("%s\n", out.dump().c_str());
}

void printRows(const train::PreparedData& data, int64_t rows, const std::string& scale)
{
    const auto& train = data.train;
    const int64_t shown = std::min(train.cols, FeaturesShown);
    std::printf("First %lld of %lld training rows (scaling: %s)\n", (long long)rows,
                (long long)train.rows, scale.c_str());
    std::printf("  %-6s", "label");
    for (int64_t c = 0; c < shown; ++c)
        std::printf(" %10.10s", train.columnNames[size_t(c)].c_str());
    std::printf("\n");
    for (int64_t r = 0; r < rows; ++r) {
        std::printf("  %-6lld", (long long)train.labels[size_t(r)]);
        for (int64_t c = 0; c < shown; ++c)
            std::printf(" %10.4g", double(train.row(r)[c]));
        std::printf("\n");
    }
    if (train.cols > shown)
        std::printf("  ... and %lld more features\n", (long long)(train.cols - shown));
}

void printStats(const data::DatasetStats& stats, const std::vector<std::string>& classNames)
{
    std::printf("Training features (raw values, before scaling; stored with each run)\n");
    std::printf("  %-20s %8s %8s %10s %10s %10s %10s %10s\n", "feature", "count", "missing", "mean",
                "std", "min", "p50", "max");
    const size_t shown = std::min(stats.features.size(), size_t(FeaturesShown));
    for (size_t i = 0; i < shown; ++i) {
        const data::FeatureStats& f = stats.features[i];
        if (!f.categories.empty()) {
            const auto top = std::max_element(f.binCounts.begin(), f.binCounts.end());
            std::printf("  %-20.20s %8lld %8lld %zu categories, most often '%s' (%lld rows)\n",
                        f.name.c_str(), (long long)f.count, (long long)f.missing,
                        f.categories.size(),
                        f.categories[size_t(top - f.binCounts.begin())].c_str(), (long long)*top);
            continue;
        }
        const double median = f.quantiles.empty() ? f.mean : f.quantiles[4]; // NaN when empty
        std::printf("  %-20.20s %8lld %8lld %10.4g %10.4g %10.4g %10.4g %10.4g\n", f.name.c_str(),
                    (long long)f.count, (long long)f.missing, f.mean, f.stddev, f.min, median,
                    f.max);
    }
    if (stats.features.size() > shown)
        std::printf("  ... and %zu more features (--json prints all)\n",
                    stats.features.size() - shown);
    std::printf("Labels (training split)\n");
    for (size_t c = 0; c < stats.labelCounts.size(); ++c) {
        const double share =
                stats.rows > 0 ? 100.0 * double(stats.labelCounts[c]) / double(stats.rows) : 0;
        if (c < classNames.size())
            std::printf("  %-6zu %-16.16s %8lld  %5.1f%%\n", c, classNames[c].c_str(),
                        (long long)stats.labelCounts[c], share);
        else
            std::printf("  %-6zu %8lld  %5.1f%%\n", c, (long long)stats.labelCounts[c], share);
    }
}

int preview(const DataArgs& args)
{
    auto spec = pipeline::loadPipeline(args.pipeline);
    if (!spec)
        return reportError(spec.error());
    auto data = train::preparePipelineData(*spec);
    if (!data)
        return reportError(data.error());
    // The rows as the model sees them: the pipeline's prep (encoding, imputation, scaling, ...),
    // fitted on the training split.
    if (auto prepared = train::applyFittedPrep(*spec, *data, false); !prepared)
        return reportError(prepared.error());
    const int64_t rows = std::clamp<int64_t>(args.rows, 0, data->train.rows);
    if (args.json) {
        printJson(*data, rows);
        return ExitOk;
    }
    for (const std::string& warning : data->warnings)
        std::fprintf(stderr, "Warning: %s\n", warning.c_str());
    printRows(*data, rows, data::toString(spec->prep.scale));
    printStats(data->statsTrain, data->train.classNames);
    std::printf("%lld training rows, %lld test rows, %lld features\n", (long long)data->train.rows,
                (long long)data->test.rows, (long long)data->train.cols);
    return ExitOk;
}

} // namespace

void addDataCommand(CLI::App& app, int& exitCode)
{
    auto args = std::make_shared<DataArgs>();
    CLI::App* data = app.add_subcommand("data", "Inspect the data of a pipeline");
    data->require_subcommand(1);
    CLI::App* preview =
            data->add_subcommand("preview",
                                 "Prepare a pipeline's data (no training, no store) and show rows, "
                                 "feature statistics and the label balance");
    preview->add_option("pipeline", args->pipeline, "Pipeline file (JSON)")->required();
    preview->add_option("--rows", args->rows, "Training rows to show (default 5)")
            ->check(CLI::NonNegativeNumber);
    preview->add_flag("--json", args->json, "Print one JSON object (for scripts)");
    preview->callback([args, &exitCode] { exitCode = cli::preview(*args); });
}

} // namespace ts::cli
