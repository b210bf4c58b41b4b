// What the end-to-end tests share: where the built programs are, and waiting for a condition
// while the Qt event loop (and the processes the test started) go on.
#pragma once

#include "store/experiment_store.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QString>
#include <QtTest/QTest>

#include <functional>

namespace ts::test {

inline const QString AgentProgram = QStringLiteral(TS_BINARY_DIR "/bin/trainstudio-agent");
inline const QString CliProgram = QStringLiteral(TS_BINARY_DIR "/bin/trainstudio-cli");

// True once `condition` holds, checked every `pollMs`; false after `ms` without it.
inline bool waitFor(const std::function<bool()>& condition, int ms, int pollMs = 20)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.elapsed() > ms)
            return false;
        QTest::qWait(pollMs);
    }
    return true;
}

// Job `id` as the store at `storePath` holds it now (read-only, beside the coordinator writing
// it); an empty record (id 0) while it cannot be read.
inline store::JobRecord jobIn(const std::string& storePath, int64_t id)
{
    auto store = store::ExperimentStore::openReadOnly(storePath);
    if (!store)
        return {};
    auto job = (*store)->job(id);
    return job ? std::move(*job) : store::JobRecord {};
}

// Waits up to `ms` for job `id` to end; returns it as it ended (or as it was at the deadline).
inline store::JobRecord waitForEnd(const std::string& storePath, int64_t id, int ms)
{
    store::JobRecord job;
    waitFor(
            [&] {
                job = jobIn(storePath, id);
                return store::isEnded(job.state);
            },
            ms);
    return job;
}

} // namespace ts::test
