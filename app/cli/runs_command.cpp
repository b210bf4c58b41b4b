#include "runs_command.h"

#include "cli_common.h"
#include "export_command.h"
#include "progress_bar.h"
#include "run_json.h"
#include "store/experiment_store.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>

namespace ts::cli {

namespace {

using nlohmann::json;

struct RunsArgs
{
    std::string store;
    bool json = false;
    int64_t runId = 0;
    std::vector<std::string> where; // "param:lr<0.01", "metric:test_accuracy>=0.8"
    std::string sort;               // a key; newest first when empty
    bool ascending = false;
    size_t limit = 0;
};

// "param:lr<0.01" -> { "param:lr", Less, "0.01" }. The operators, longest first: <= >= != = < >
// and ~ (contains).
common::Expected<store::RunCondition> parseCondition(const std::string& text)
{
    using Op = store::RunCondition::Op;
    static const std::pair<const char*, Op> ops[] = {
        { "<=", Op::LessEqual }, { ">=", Op::GreaterEqual }, { "!=", Op::NotEqual },
        { "=", Op::Equal },      { "<", Op::Less },          { ">", Op::Greater },
        { "~", Op::Contains },
    };
    const size_t at = text.find_first_of("<>=!~");
    if (at != std::string::npos && at > 0) {
        for (const auto& [symbol, op] : ops) {
            if (text.compare(at, std::strlen(symbol), symbol) == 0)
                return store::RunCondition { text.substr(0, at), op,
                                             text.substr(at + std::strlen(symbol)) };
        }
    }
    return common::Error(
            common::ErrorKind::InvalidInput,
            "--where '" + text
                    + "': expected KEY OP VALUE, e.g. "
                      "'param:optimizer=adam' or 'metric:test_accuracy>=0.8' (OP: = != "
                      "< <= > >= ~)");
}

std::string storePathOf(const RunsArgs& args)
{
    return args.store.empty() ? store::ExperimentStore::defaultPath() : args.store;
}

int listRuns(const RunsArgs& args)
{
    auto store = openExistingStore(storePathOf(args));
    if (!store)
        return reportError(store.error());
    store::RunQuery query;
    for (const std::string& text : args.where) {
        auto condition = parseCondition(text);
        if (!condition)
            return reportError(condition.error());
        query.where.push_back(std::move(*condition));
    }
    if (!args.sort.empty())
        query.orderBy = args.sort;
    query.descending = !args.ascending;
    query.limit = args.limit;
    auto runs = (*store)->findRuns(query);
    if (!runs)
        return reportError(runs.error());
    if (args.json) {
        json out = { { "store", (*store)->path() }, { "runs", json::array() } };
        for (const auto& run : *runs)
            out["runs"].push_back(runJson(static_cast<const store::RunSummary&>(run)));
        std::printf("%s\n", out.dump().c_str());
        return ExitOk;
    }
    std::printf("%-5s %-20s %-20s %-10s %-10s %s\n", "ID", "EXPERIMENT", "RUN", "STATUS",
                "TEST ACC", "STARTED");
    for (const auto& run : *runs) {
        const auto acc = run.finalMetrics.find("test_accuracy");
        char accText[16] = "-";
        if (acc != run.finalMetrics.end())
            std::snprintf(accText, sizeof accText, "%.4f", acc->second);
        std::printf("%-5lld %-20s %-20s %-10s %-10s %s\n", (long long)run.id,
                    run.experiment.c_str(), run.name.c_str(), store::toString(run.status).c_str(),
                    accText, localTime(run.createdAt).c_str());
    }
    if (runs->empty())
        std::printf("(no runs yet in %s)\n", (*store)->path().c_str());
    return ExitOk;
}

// Per-class precision/recall/F1 and the confusion matrix (rows: actual, columns: predicted).
void printClassReport(const std::map<std::string, double>& metrics,
                      const store::ConfusionMatrix& matrix)
{
    auto metric = [&](const char* stem, int64_t c) {
        const auto it = metrics.find(std::string(stem) + "_class" + std::to_string(c));
        return it == metrics.end() ? 0.0 : it->second;
    };
    std::printf("Per class (test split, step %lld)\n  %-6s %9s %9s %9s %9s\n",
                (long long)matrix.step, "class", "precision", "recall", "f1", "support");
    for (int64_t c = 0; c < matrix.classes; ++c) {
        int64_t support = 0;
        for (int64_t p = 0; p < matrix.classes; ++p)
            support += matrix.counts[size_t(c * matrix.classes + p)];
        std::printf("  %-6lld %9.4f %9.4f %9.4f %9lld\n", (long long)c, metric("test_precision", c),
                    metric("test_recall", c), metric("test_f1", c), (long long)support);
    }
    std::printf("Confusion matrix (rows: actual class, columns: predicted class)\n        ");
    for (int64_t p = 0; p < matrix.classes; ++p)
        std::printf("%6lld", (long long)p);
    std::printf("\n");
    for (int64_t a = 0; a < matrix.classes; ++a) {
        std::printf("  %4lld  ", (long long)a);
        for (int64_t p = 0; p < matrix.classes; ++p)
            std::printf("%6lld", (long long)matrix.counts[size_t(a * matrix.classes + p)]);
        std::printf("\n");
    }
}

int showRun(const RunsArgs& args)
{
    auto store = openExistingStore(storePathOf(args));
    if (!store)
        return reportError(store.error());
    auto run = (*store)->runDetails(args.runId);
    if (!run)
        return reportError(run.error());
    if (args.json) {
        json out = runJson(*run);
        out["metric_names"] = run->metricNames;
        out["pipeline"] = json::parse(run->pipelineJson, nullptr, false);
        auto matrix = (*store)->latestConfusionMatrix(args.runId);
        if (!matrix)
            return reportError(matrix.error());
        if (matrix->classes > 0) {
            json rows = json::array();
            for (int64_t a = 0; a < matrix->classes; ++a)
                rows.push_back(
                        std::vector<int64_t>(matrix->counts.begin() + a * matrix->classes,
                                             matrix->counts.begin() + (a + 1) * matrix->classes));
            out["confusion_matrix"] = { { "step", matrix->step }, { "rows_actual", rows } };
        }
        std::printf("%s\n", out.dump().c_str());
        return ExitOk;
    }
    std::printf("Run %lld: %s / %s\n", (long long)run->id, run->experiment.c_str(),
                run->name.c_str());
    std::printf("  status    %s%s%s\n", store::toString(run->status).c_str(),
                run->error.empty() ? "" : ": ", run->error.c_str());
    std::printf("  compute   %s\n", run->backend.c_str());
    std::printf("  started   %s\n  finished  %s\n", localTime(run->createdAt).c_str(),
                localTime(run->finishedAt).c_str());
    std::printf("Parameters\n");
    for (const auto& [key, value] : run->params)
        std::printf("  %-24s %s\n", key.c_str(), value.c_str());
    std::printf("Final metrics\n");
    for (const auto& [name, value] : run->finalMetrics)
        if (name.find("_class") == std::string::npos)
            std::printf("  %-24s %.6g\n", name.c_str(), value);
    auto matrix = (*store)->latestConfusionMatrix(args.runId);
    if (!matrix)
        return reportError(matrix.error());
    if (matrix->classes > 0)
        printClassReport(run->finalMetrics, *matrix);
    return ExitOk;
}

} // namespace

void addRunsCommand(CLI::App& app, int& exitCode)
{
    auto args = std::make_shared<RunsArgs>();
    CLI::App* runs = app.add_subcommand("runs", "List and inspect stored runs");
    runs->require_subcommand(1);
    CLI::App* list = runs->add_subcommand(
            "list", "List runs, newest first, or filtered and sorted by parameters and metrics");
    list->add_option("--where", args->where,
                     "Only runs where KEY OP VALUE holds (repeatable; KEY: param:NAME, "
                     "metric:NAME, id, name, experiment, status, created_at; OP: = != < <= > >= "
                     "~)");
    list->add_option("--sort", args->sort, "Sort by this KEY (default: id, newest first)");
    list->add_flag("--ascending", args->ascending, "Sort smallest first");
    list->add_option("--limit", args->limit, "Show at most this many runs");
    CLI::App* show = runs->add_subcommand("show", "Show one run: parameters and final metrics");
    show->add_option("id", args->runId, "Run id (see 'runs list')")->required();
    for (CLI::App* sub : { list, show }) {
        addStoreOption(*sub, args->store);
        sub->add_flag("--json", args->json, "Print one JSON object (for scripts)");
    }
    addExportCommand(*runs, exitCode);
    list->callback([args, &exitCode] { exitCode = listRuns(*args); });
    show->callback([args, &exitCode] { exitCode = showRun(*args); });
}

} // namespace ts::cli
