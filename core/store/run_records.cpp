// ExperimentStore: what a distributed run records beside its metrics: the timeline of its events,
// where each rank ran, and how stale the parameter server's updates were.
#include "store/experiment_store.h"
#include "store/experiment_store_private.h"

#include <map>

namespace ts::store {
namespace {

std::string ofRun(int64_t run)
{
    return " of run " + std::to_string(run);
}

} // namespace

common::Expected<int64_t> ExperimentStore::addEvent(const RunEvent& event)
{
    // One statement, a transaction on its own. NULL stands for "the whole run" (worker -1).
    auto insert = Statement::prepare(d->db.get(), d->path,
                                     "INSERT INTO events (run_id, time, kind, worker, message) "
                                     "VALUES (?1, ?2, ?3, NULLIF(?4, -1), ?5)");
    TS_TRY(insert);
    insert->bind(1, event.run).bind(2, event.time).bind(3, event.kind);
    if (auto stored = insert->bind(4, event.worker).bind(5, event.message).run(); !stored)
        return std::move(stored).error().wrap("event '" + event.kind + "'" + ofRun(event.run));
    return int64_t(sqlite3_last_insert_rowid(d->db.get()));
}

common::Expected<std::vector<RunEvent>> ExperimentStore::events(int64_t run, int64_t afterId)
{
    auto query = Statement::prepare(d->db.get(), d->path,
                                    "SELECT id, time, kind, ifnull(worker, -1), message "
                                    "FROM events WHERE run_id = ?1 AND id > ?2 ORDER BY id");
    TS_TRY(query);
    query->bind(1, run).bind(2, afterId);
    std::vector<RunEvent> events;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            return events;
        events.push_back({ query->int64At(0), run, query->doubleAt(1), query->textAt(2),
                           int(query->int64At(3)), query->textAt(4) });
    }
}

common::Result ExperimentStore::registerWorker(int64_t run, const WorkerInfo& worker)
{
    // A rank that restarts elsewhere (a resumed run) replaces where it ran before.
    auto upsert = Statement::prepare(d->db.get(), d->path,
                                     "INSERT INTO workers (run_id, rank, agent, device, host) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, rank) "
                                     "DO UPDATE SET agent = excluded.agent, "
                                     "device = excluded.device, host = excluded.host");
    TS_TRY(upsert);
    upsert->bind(1, run).bind(2, worker.rank).bind(3, worker.agent);
    if (auto stored = upsert->bind(4, worker.device).bind(5, worker.host).run(); !stored)
        return std::move(stored).error().wrap("worker " + std::to_string(worker.rank) + ofRun(run));
    return {};
}

common::Expected<std::vector<WorkerInfo>> ExperimentStore::workers(int64_t run)
{
    auto query = Statement::prepare(d->db.get(), d->path,
                                    "SELECT rank, agent, device, host FROM workers "
                                    "WHERE run_id = ?1 ORDER BY rank");
    TS_TRY(query);
    query->bind(1, run);
    std::vector<WorkerInfo> workers;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            return workers;
        workers.push_back(
                { int(query->int64At(0)), query->textAt(1), query->textAt(2), query->textAt(3) });
    }
}

common::Result ExperimentStore::recordStaleness(int64_t run, int worker,
                                                std::span<const int64_t> staleness)
{
    // Counted here first: a batch of thousands of updates becomes a few upserts.
    std::map<int64_t, int64_t> counts;
    for (const int64_t s : staleness) {
        if (s < 0) {
            return common::Error(common::ErrorKind::InvalidInput,
                                 "staleness " + std::to_string(s) + " of worker "
                                         + std::to_string(worker) + ofRun(run)
                                         + " is negative (a server version older than the "
                                           "worker's pull)");
        }
        ++counts[s];
    }
    if (counts.empty())
        return {};

    sqlite3* db = d->db.get();
    Transaction transaction(db, d->path);
    TS_TRY(transaction.begin());
    auto upsert = Statement::prepare(db, d->path,
                                     "INSERT INTO staleness (run_id, worker, staleness, count) "
                                     "VALUES (?1, ?2, ?3, ?4) "
                                     "ON CONFLICT (run_id, worker, staleness) "
                                     "DO UPDATE SET count = count + excluded.count");
    TS_TRY(upsert);
    for (const auto& [s, count] : counts) {
        upsert->bind(1, run).bind(2, worker).bind(3, s).bind(4, count);
        if (auto stored = upsert->run(); !stored) {
            return std::move(stored).error().wrap("staleness of worker " + std::to_string(worker)
                                                  + ofRun(run));
        }
    }
    return transaction.commit();
}

common::Expected<StalenessHistogram> ExperimentStore::stalenessHistogram(int64_t run)
{
    auto query = Statement::prepare(d->db.get(), d->path,
                                    "SELECT worker, staleness, count FROM staleness "
                                    "WHERE run_id = ?1 ORDER BY worker, staleness");
    TS_TRY(query);
    query->bind(1, run);
    StalenessHistogram histogram;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            return histogram;
        // Rows come by ascending staleness: growing the vector fills the gaps with zeros.
        auto& counts = histogram.counts[int(query->int64At(0))];
        const auto staleness = size_t(query->int64At(1));
        counts.resize(staleness + 1, 0);
        counts[staleness] = query->int64At(2);
    }
}

} // namespace ts::store
