// MetricWriter: the batched writer of metric points. Metrics arrive one by one from training
// loops (and, later, from many workers through the coordinator); writing each in its own
// transaction would cost an fsync-free but still heavy commit per point. The writer buffers points
// and commits them in batches, each one transaction of INSERT ... ON CONFLICT DO NOTHING on
// (run, name, worker, step), so a batch replayed after a crash or a reconnect is harmless.
//
// A batch is committed when it holds Options::batchRows points, when its oldest point is
// Options::flushSeconds old (checked on append), or on flush(). Before a commit the points are
// grouped by series (run, name, worker), each series keeping its order, so the index is written
// series by series. commit() returning success
// means the batch is in the file: after a crash (SIGKILL, power cut with synchronous=NORMAL in
// WAL mode the last commits may roll back, never half of one) every acknowledged batch is there.
//
// FAILURE: when a commit fails (disk full, I/O error) nothing of the batch is stored, the points
// stay buffered and the error names the store and what SQLite said; a later flush() retries them.
// The store stays consistent and readable.
//
// THREAD SAFETY: one thread at a time. It has its own connection to the file, so it never waits
// for a reader (WAL) and readers never wait for it.
//
// @code
//     auto writer = store::MetricWriter::open(path);
//     for (...)
//         TS_TRY((*writer)->append({ run, "train_loss", worker, step, loss, now }));
//     TS_TRY((*writer)->flush());
// @endcode
#pragma once

#include "common/result.h"
#include "store/experiment_store.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ts::store {

class MetricWriter
{
public:
    struct Options
    {
        size_t batchRows = 65536;  // commit when the buffer holds this many points
        double flushSeconds = 0.5; // or when the oldest buffered point is this old
    };

    // Opens (and migrates) the store at `path` with a connection of its own.
    static common::Expected<std::unique_ptr<MetricWriter>> open(const std::string& path,
                                                                Options options);
    static common::Expected<std::unique_ptr<MetricWriter>> open(const std::string& path)
    {
        return open(path, Options {});
    }

    // Buffers `point`; commits the buffer when a batch is due (see above).
    common::Result append(const MetricPoint& point);
    // Commits every buffered point now, in one transaction. A no-op when the buffer is empty.
    common::Result flush();

    // Points buffered and not yet committed.
    size_t pending() const;
    // Batches committed since open.
    int64_t committedBatches() const;
    // The points of the last committed batch, for a caller that replays it after a reconnect.
    const std::vector<MetricPoint>& lastBatch() const;

    // The store the writer commits to (run state changes go through it too).
    ExperimentStore& store();

    ~MetricWriter();

private:
    struct Private;
    explicit MetricWriter(std::unique_ptr<Private> d);
    std::unique_ptr<Private> d;
};

} // namespace ts::store
