// ExperimentStore: the metric series charts ask for, downsampled to what they can show.
//
// Every request is one query, a range scan of the metrics primary key (run_id, name, worker,
// step), so its cost grows with the points in the range, not with the size of the store.
#include "store/experiment_store.h"
#include "store/experiment_store_private.h"
#include "store/lttb.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

namespace ts::store {
namespace {

// The points of run ?1, metric ?2, steps [?3, ?4], of the workers bound from ?5 on or, with none,
// of every worker. With the workers in an IN list SQLite seeks each worker's step range of the
// key in ascending worker order, so the rows arrive ordered without a sort.
std::string seriesSql(size_t workerCount)
{
    std::string with; // the CTE of every worker, when no worker is named
    std::string workers;
    if (workerCount == 0) {
        // Every worker: without a worker the key only narrows to (run, name), and a zoomed chart
        // would read every step of every worker. The recursive CTE finds the workers with one
        // seek each (a loose index scan; min() over a key prefix is a seek), then each worker's
        // steps are a range again.
        with = "WITH RECURSIVE metric_workers(worker) AS ("
               "SELECT (SELECT min(worker) FROM metrics WHERE run_id = ?1 AND name = ?2) "
               "UNION ALL SELECT (SELECT min(worker) FROM metrics "
               "WHERE run_id = ?1 AND name = ?2 AND worker > metric_workers.worker) "
               "FROM metric_workers WHERE worker IS NOT NULL) ";
        workers = "SELECT worker FROM metric_workers";
    } else {
        for (size_t i = 0; i < workerCount; ++i)
            workers += (i ? ", ?" : "?") + std::to_string(5 + i);
    }
    return with
            + "SELECT worker, step, value, wall_time FROM metrics "
              "WHERE run_id = ?1 AND name = ?2 AND worker IN ("
            + workers + ") AND step BETWEEN ?3 AND ?4 ORDER BY worker, step";
}

// Keeps at most maxPoints of `series` (LTTB on step and value); 0 keeps every point.
void downsample(Series& series, size_t maxPoints)
{
    series.storedPoints = int64_t(series.points.size());
    if (maxPoints == 0 || series.points.size() <= maxPoints)
        return;
    std::vector<double> x(series.points.size()), y(series.points.size());
    for (size_t i = 0; i < series.points.size(); ++i) {
        x[i] = double(series.points[i].step);
        y[i] = series.points[i].value;
    }
    std::vector<MetricPoint> kept;
    kept.reserve(maxPoints);
    for (const size_t i : lttbIndices(x, y, maxPoints))
        kept.push_back(std::move(series.points[i]));
    series.points = std::move(kept);
}

// Appends the rows of `query` to `out`, one Series per worker, in worker order.
common::Result readSeries(Statement& query, const SeriesRequest& request, std::vector<Series>& out)
{
    for (;;) {
        auto row = query.step();
        TS_TRY(row);
        if (!*row)
            return {};
        const int worker = int(query.int64At(0));
        if (out.empty() || out.back().worker != worker)
            out.push_back({ worker, {}, 0 });
        out.back().points.push_back({ request.run, request.name, worker, query.int64At(1),
                                      valueAt(query, 2), query.doubleAt(3) });
    }
}

} // namespace

common::Expected<std::vector<Series>> ExperimentStore::series(const SeriesRequest& request)
{
    // A worker asked for twice is one series, and the IN list wants each once.
    std::vector<int> workers = request.workers;
    std::sort(workers.begin(), workers.end());
    workers.erase(std::unique(workers.begin(), workers.end()), workers.end());

    auto query = Statement::prepare(d->db.get(), d->path, seriesSql(workers.size()));
    TS_TRY(query);
    query->bind(1, request.run).bind(2, request.name);
    query->bind(3, request.firstStep).bind(4, request.lastStep);
    for (size_t i = 0; i < workers.size(); ++i)
        query->bind(int(5 + i), workers[i]);

    std::vector<Series> out;
    if (auto read = readSeries(*query, request, out); !read) {
        return std::move(read).error().wrap("metric '" + request.name + "' of run "
                                            + std::to_string(request.run));
    }
    for (Series& series : out)
        downsample(series, request.maxPoints);
    return out;
}

common::Expected<std::vector<Series>>
ExperimentStore::throughput(int64_t run, int64_t firstStep, int64_t lastStep, size_t maxPoints)
{
    SeriesRequest request;
    request.run = run;
    request.name = "samples_per_second";
    request.firstStep = firstStep;
    request.lastStep = lastStep;
    request.maxPoints = maxPoints;
    return series(request);
}

namespace {

// The q-quantile (0..1) of sorted `values`, nearest rank.
double quantile(const std::vector<double>& sorted, double q)
{
    if (sorted.empty())
        return 0;
    const size_t rank = size_t(std::ceil(q * double(sorted.size())));
    return sorted[std::min(sorted.size() - 1, rank == 0 ? 0 : rank - 1)];
}

} // namespace

common::Expected<std::vector<WorkerStepTimes>> ExperimentStore::stepTimes(int64_t run)
{
    // worker -> step -> the three parts
    std::map<int, std::map<int64_t, std::array<double, 3>>> parts;
    const char* names[] = { "time_data_ms", "time_compute_ms", "time_comm_ms" };
    for (int part = 0; part < 3; ++part) {
        SeriesRequest request;
        request.run = run;
        request.name = names[part];
        request.maxPoints = 0;
        auto all = series(request);
        TS_TRY(all);
        for (const Series& s : *all)
            for (const MetricPoint& p : s.points)
                parts[s.worker][p.step][size_t(part)] = p.value;
    }
    std::vector<WorkerStepTimes> out;
    for (const auto& [worker, steps] : parts) {
        std::vector<double> total, each[3];
        for (const auto& [step, values] : steps) {
            total.push_back(values[0] + values[1] + values[2]);
            for (size_t i = 0; i < 3; ++i)
                each[i].push_back(values[i]);
        }
        std::sort(total.begin(), total.end());
        for (auto& v : each)
            std::sort(v.begin(), v.end());
        out.push_back({ worker, int64_t(total.size()), quantile(total, 0.5), quantile(total, 0.9),
                        quantile(total, 0.99), quantile(each[0], 0.5), quantile(each[1], 0.5),
                        quantile(each[2], 0.5) });
    }
    return out;
}

} // namespace ts::store
