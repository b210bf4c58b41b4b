// RunsModel: the runs of an experiment store as a table, one row per run.
//
// The model holds a copy of ExperimentStore::listRuns() and is refreshed from the store by the
// window's timer. A refresh that finds the same runs in the same order only reports changed cells
// (dataChanged), so views keep their selection and scroll position while a run trains; any other
// change resets the model.
//
// Qt::DisplayRole gives the text shown to users (translated status, "84.1 %", local date-time);
// SortRole gives the raw value (number, seconds) that a QSortFilterProxyModel sorts by.
//
// THREAD SAFETY: GUI thread only, like every QAbstractItemModel.
#pragma once

#include "common/result.h" // for Result
#include "store/experiment_store.h"

#include <QAbstractTableModel>

#include <memory>

namespace ts::gui {

class RunsModel final : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        IdColumn,
        ExperimentColumn,
        NameColumn,
        StatusColumn,
        AccuracyColumn,
        ComputeColumn,
        StartedColumn,
        DurationColumn,
        ColumnCount
    };
    enum Role { RunIdRole = Qt::UserRole + 1, SortRole };

    explicit RunsModel(QObject* parent = nullptr);
    ~RunsModel() override;

    // Re-reads every run from `store`; on failure the rows shown before are kept.
    common::Result refresh(store::ExperimentStore& store);
    // Forgets every run (the store could not be opened).
    void clear();

    // The run shown in `row`, or nullptr when `row` is out of range.
    const store::RunSummary* runAt(int row) const;
    // The row of run `id`, or -1.
    int rowOfRun(qint64 id) const;

    // The text of a status as users read it ("Finished", translated).
    static QString statusText(store::RunStatus status);
    // A duration in seconds as "42 s", "3 min 05 s" or "2 h 07 min".
    static QString durationText(double seconds);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

signals:
    // Emitted after every refresh or clear() that changed the number of runs.
    void runCountChanged(int count);

private:
    QVariant displayData(const store::RunSummary& run, int column) const;
    QVariant sortData(const store::RunSummary& run, int column) const;

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace ts::gui
