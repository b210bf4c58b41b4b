// ExperimentStore: evaluation results beyond metric points (confusion matrices).
#include "store/experiment_store.h"

#include "store/experiment_store_private.h"
#include "store/sqlite_handles.h"

#include <algorithm>
#include <array>

namespace ts::store {

common::Result ExperimentStore::saveConfusionMatrix(int64_t run, int64_t step, int64_t classes,
                                                    std::span<const int64_t> counts)
{
    if (classes <= 0 || counts.size() != size_t(classes * classes))
        return common::Error(common::ErrorKind::Internal,
                             "confusion matrix of run " + std::to_string(run) + ": "
                                     + std::to_string(counts.size()) + " cells for "
                                     + std::to_string(classes) + " classes");
    sqlite3* db = d->db.get();
    Transaction transaction(db, d->path);
    TS_TRY(transaction.begin());
    auto clear = Statement::prepare(
            db, d->path, "DELETE FROM confusion_matrices WHERE run_id = ?1 AND step = ?2");
    TS_TRY(clear);
    TS_TRY(clear->bind(1, run).bind(2, step).run());
    auto insert = Statement::prepare(db, d->path,
                                     "INSERT INTO confusion_matrices "
                                     "(run_id, step, actual, predicted, count) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5)");
    TS_TRY(insert);
    for (int64_t actual = 0; actual < classes; ++actual) {
        for (int64_t predicted = 0; predicted < classes; ++predicted) {
            const int64_t count = counts[size_t(actual * classes + predicted)];
            insert->bind(1, run).bind(2, step).bind(3, actual).bind(4, predicted);
            if (auto stored = insert->bind(5, count).run(); !stored)
                return std::move(stored).error().wrap("confusion matrix of run "
                                                      + std::to_string(run));
        }
    }
    return transaction.commit();
}

common::Expected<ConfusionMatrix> ExperimentStore::latestConfusionMatrix(int64_t run)
{
    auto query = Statement::prepare(d->db.get(), d->path,
                                    "SELECT step, actual, predicted, count FROM confusion_matrices "
                                    "WHERE run_id = ?1 AND step = (SELECT max(step) FROM "
                                    "confusion_matrices WHERE run_id = ?1) "
                                    "ORDER BY actual, predicted");
    TS_TRY(query);
    query->bind(1, run);
    std::vector<std::array<int64_t, 4>> cells;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            break;
        cells.push_back(
                { query->int64At(0), query->int64At(1), query->int64At(2), query->int64At(3) });
    }
    ConfusionMatrix matrix;
    if (cells.empty())
        return matrix;
    matrix.step = cells.front()[0];
    for (const auto& cell : cells)
        matrix.classes = std::max({ matrix.classes, cell[1] + 1, cell[2] + 1 });
    matrix.counts.assign(size_t(matrix.classes * matrix.classes), 0);
    for (const auto& cell : cells)
        matrix.counts[size_t(cell[1] * matrix.classes + cell[2])] = cell[3];
    return matrix;
}

} // namespace ts::store
