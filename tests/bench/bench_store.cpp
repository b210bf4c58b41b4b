// Experiment store benchmark, TrainStudio's side. Prints one JSON object.
//
//   bench_store ingest STORE ROWS   a fresh store gets ROWS metric points (4 workers x 5 metrics
//                                   x ROWS / 20 steps) through a MetricWriter with its default
//                                   options, primary-key index in place; times appends + flush
//   bench_store schema STORE        only creates an empty store (the peer fills the same schema)
//   bench_store query STORE REPEAT  adds a 20,000-point metric to run 1 and times REPEAT chart
//                                   queries of it downsampled to 2,000 points (LTTB); median
//
// tests/bench/bench_store.py runs it beside Python's sqlite3 executemany on the same rows.
#include "store/metric_writer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

const char* const Names[] = { "train_loss", "learning_rate", "samples_per_second", "grad_norm",
                              "staleness" };

// The rows bench_store.py generates too: the same values in the same order.
std::vector<ts::store::MetricPoint> rows(int64_t run, int64_t count)
{
    std::vector<ts::store::MetricPoint> points;
    points.reserve(size_t(count));
    for (int64_t i = 0; int64_t(points.size()) < count; ++i) {
        for (int worker = 0; worker < 4 && int64_t(points.size()) < count; ++worker) {
            for (const char* name : Names) {
                if (int64_t(points.size()) == count)
                    break;
                points.push_back({ run, name, worker, i, 1.0 / double(i + 1) + worker,
                                   1.7e9 + double(i) * 0.01 });
            }
        }
    }
    return points;
}

int fail(const ts::common::Error& error)
{
    std::fprintf(stderr, "bench_store: %s\n", error.message().c_str());
    return 1;
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::fprintf(stderr,
                     "usage: bench_store ingest STORE ROWS | schema STORE | "
                     "query STORE REPEAT\n");
        return 2;
    }
    const std::string mode = argv[1];
    const std::string path = argv[2];
    auto writer = ts::store::MetricWriter::open(path);
    if (!writer)
        return fail(writer.error());
    ts::store::ExperimentStore& store = (*writer)->store();
    if (mode == "schema") {
        auto run = store.createRun({ "bench", "peer", "{}", "cpu", {} });
        return run ? 0 : fail(run.error());
    }
    if (mode == "ingest" && argc == 4) {
        auto run = store.createRun({ "bench", "ingest", "{}", "cpu", {} });
        if (!run)
            return fail(run.error());
        const auto points = rows(*run, std::atoll(argv[3]));
        const auto start = Clock::now();
        for (const auto& point : points) {
            if (auto appended = (*writer)->append(point); !appended)
                return fail(appended.error());
        }
        if (auto flushed = (*writer)->flush(); !flushed)
            return fail(flushed.error());
        const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
        std::printf("{\"rows\": %zu, \"seconds\": %.4f}\n", points.size(), seconds);
        return 0;
    }
    if (mode == "query" && argc == 4) {
        auto run = store.createRun({ "bench", "chart", "{}", "cpu", {} });
        if (!run)
            return fail(run.error());
        for (int64_t step = 0; step < 20000; ++step) {
            const double value = 2.0 / double(step + 1) + (step % 97 == 0 ? 0.5 : 0.0);
            if (auto appended = (*writer)->append({ *run, "chart_loss", 0, step, value, 0 });
                !appended)
                return fail(appended.error());
        }
        if (auto flushed = (*writer)->flush(); !flushed)
            return fail(flushed.error());
        ts::store::SeriesRequest request;
        request.run = *run;
        request.name = "chart_loss";
        request.maxPoints = 2000;
        std::vector<double> millis;
        size_t kept = 0;
        for (int i = 0; i < std::atoi(argv[3]); ++i) {
            const auto start = Clock::now();
            auto series = store.series(request);
            millis.push_back(
                    std::chrono::duration<double, std::milli>(Clock::now() - start).count());
            if (!series)
                return fail(series.error());
            kept = series->front().points.size();
        }
        std::sort(millis.begin(), millis.end());
        std::printf("{\"points\": 20000, \"kept\": %zu, \"median_ms\": %.3f, \"max_ms\": %.3f}\n",
                    kept, millis[millis.size() / 2], millis.back());
        return 0;
    }
    std::fprintf(stderr, "bench_store: unknown mode '%s'\n", mode.c_str());
    return 2;
}
