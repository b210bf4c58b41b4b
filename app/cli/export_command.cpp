// Export writes every point of the chosen metrics at full detail (no downsampling): the file is
// for analysis, not for a chart. With --output it writes a temporary file beside the target and
// renames it into place, so an interrupted or failed export never leaves half a file where a
// previous export was.
#include "export_command.h"

#include "cli_common.h"
#include "common/file_io.h"
#include "common/spelling.h"
#include "run_json.h"
#include "store/experiment_store.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>

namespace ts::cli {
namespace {

using common::Error;
using common::ErrorKind;
using nlohmann::json;

struct ExportArgs
{
    std::string store;
    int64_t runId = 0;
    std::string format = "csv";
    std::string output; // "" = standard output
    std::vector<std::string> metrics;
    std::vector<int> workers;
};

// The metrics to export: those asked for (each must exist), else every metric of the run.
common::Expected<std::vector<std::string>> chosenMetrics(const store::RunDetails& run,
                                                         const std::vector<std::string>& asked)
{
    if (asked.empty())
        return run.metricNames;
    for (const std::string& name : asked) {
        if (std::find(run.metricNames.begin(), run.metricNames.end(), name)
            != run.metricNames.end())
            continue;
        const std::string closest = common::closestName(name, run.metricNames, 3);
        return Error(ErrorKind::NotFound,
                     "run " + std::to_string(run.id) + " has no metric '" + name + "'"
                             + (closest.empty() ? "" : " (did you mean '" + closest + "'?)"));
    }
    return asked;
}

// %.17g: every double reads back to the same bits; NaN (a diverged loss) is an empty field.
std::string number(double value)
{
    if (std::isnan(value))
        return {};
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

void writeCsv(std::ostream& out, int64_t run, const std::vector<store::Series>& series,
              const std::string& name)
{
    for (const store::Series& s : series) {
        for (const store::MetricPoint& p : s.points)
            out << run << ',' << name << ',' << p.worker << ',' << p.step << ',' << number(p.value)
                << ',' << number(p.wallTime) << '\n';
    }
}

json seriesJson(const std::vector<store::Series>& series)
{
    json points = json::array();
    for (const store::Series& s : series) {
        for (const store::MetricPoint& p : s.points)
            points.push_back({ { "worker", p.worker },
                               { "step", p.step },
                               { "value", std::isnan(p.value) ? json(nullptr) : json(p.value) },
                               { "wall_time", p.wallTime } });
    }
    return points;
}

common::Expected<std::string> exportRun(store::ExperimentStore& store, const ExportArgs& args)
{
    auto run = store.runDetails(args.runId);
    TS_TRY(run);
    auto names = chosenMetrics(*run, args.metrics);
    TS_TRY(names);
    std::ostringstream csv;
    json metrics = json::object();
    if (args.format == "csv")
        csv << "run,name,worker,step,value,wall_time\n";
    for (const std::string& name : *names) {
        store::SeriesRequest request;
        request.run = args.runId;
        request.name = name;
        request.workers = args.workers;
        auto series = store.series(request);
        TS_TRY(series);
        if (args.format == "csv")
            writeCsv(csv, args.runId, *series, name);
        else
            metrics[name] = seriesJson(*series);
    }
    if (args.format == "csv")
        return csv.str();
    return json { { "run", runJson(*run) }, { "metrics", metrics } }.dump(1) + "\n";
}

int exportCommand(const ExportArgs& args)
{
    auto store = openExistingStore(args.store);
    if (!store)
        return reportError(store.error());
    auto text = exportRun(**store, args);
    if (!text)
        return reportError(text.error());
    if (args.output.empty()) {
        std::fwrite(text->data(), 1, text->size(), stdout);
        return ExitOk;
    }
    if (common::Result written = common::writeFileAtomically(args.output, *text); !written)
        return reportError(written.error());
    std::fprintf(stderr, "Exported run %lld to %s\n", (long long)args.runId, args.output.c_str());
    return ExitOk;
}

} // namespace

void addExportCommand(CLI::App& runs, int& exitCode)
{
    auto args = std::make_shared<ExportArgs>();
    CLI::App* exporter = runs.add_subcommand(
            "export", "Write a run's metrics (every point, every worker) as CSV or JSON");
    exporter->add_option("id", args->runId, "Run id (see 'runs list')")->required();
    addStoreOption(*exporter, args->store);
    exporter->add_option("--format", args->format, "csv (default) or json")
            ->check(CLI::IsMember({ "csv", "json" }));
    exporter->add_option("--output,-o", args->output,
                         "File to write (replaced whole when done); default: standard output");
    exporter->add_option("--metric", args->metrics, "Only this metric (repeatable)");
    exporter->add_option("--worker", args->workers, "Only this worker (repeatable)");
    exporter->callback([args, &exitCode] { exitCode = exportCommand(*args); });
}

} // namespace ts::cli
