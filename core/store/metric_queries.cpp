// ExperimentStore: the metric series charts ask for, downsampled to what they can show.
//
// Every query is a range scan of the metrics primary key (run_id, name, worker, step), so its cost
// grows with the points in the range, not with the size of the store.
#include "store/experiment_store.h"
#include "store/experiment_store_private.h"
#include "store/lttb.h"

#include <limits>

namespace ts::store {
namespace {

constexpr const char* AllWorkersSql = "SELECT worker, step, value, wall_time FROM metrics "
                                      "WHERE run_id = ?1 AND name = ?2 AND step BETWEEN ?3 AND ?4 "
                                      "ORDER BY worker, step";
constexpr const char* OneWorkerSql = "SELECT worker, step, value, wall_time FROM metrics "
                                     "WHERE run_id = ?1 AND name = ?2 AND worker = ?5 "
                                     "AND step BETWEEN ?3 AND ?4 ORDER BY step";

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
        const double value =
                query.isNull(2) ? std::numeric_limits<double>::quiet_NaN() : query.doubleAt(2);
        out.back().points.push_back(
                { request.run, request.name, worker, query.int64At(1), value, query.doubleAt(3) });
    }
}

} // namespace

common::Expected<std::vector<Series>> ExperimentStore::series(const SeriesRequest& request)
{
    std::vector<Series> out;
    auto query = Statement::prepare(d->db.get(), d->path,
                                    request.workers.empty() ? AllWorkersSql : OneWorkerSql);
    TS_TRY(query);
    if (request.workers.empty()) {
        query->bind(1, request.run).bind(2, request.name);
        query->bind(3, request.firstStep).bind(4, request.lastStep);
        TS_TRY(readSeries(*query, request, out));
    } else {
        for (const int worker : request.workers) {
            query->bind(1, request.run).bind(2, request.name);
            query->bind(3, request.firstStep).bind(4, request.lastStep).bind(5, worker);
            TS_TRY(readSeries(*query, request, out));
            query->reset();
        }
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

} // namespace ts::store
