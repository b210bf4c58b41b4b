// What the end-to-end tests share: where the built programs are, and waiting for a condition
// while the Qt event loop (and the processes the test started) go on.
#pragma once

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

} // namespace ts::test
