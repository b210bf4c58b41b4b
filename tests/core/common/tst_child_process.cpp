// common/child_process.h, which the agent (ranks) and the embedded coordinator (local agents)
// start their children with: the child's output lands in its log, its environment is the
// parent's with the given variables set or replaced, its exit status comes back, and a program
// that cannot run exits 127.
#include "common/child_process.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <sys/wait.h>

using namespace ts;

namespace {

int exitStatusOf(pid_t pid)
{
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

} // namespace

class TestChildProcess final : public QObject
{
    Q_OBJECT

private slots:
    void outputEnvironmentAndStatus()
    {
        QTemporaryDir dir;
        qputenv("TS_CHILD_KEPT", "from the parent");
        qputenv("CUDA_VISIBLE_DEVICES", "0,1");
        common::ChildOptions options;
        options.args = {
            "/bin/sh", "-c",
            "echo \"[$TS_CHILD_KEPT] [$CUDA_VISIBLE_DEVICES]\"; echo oops >&2; exit 3"
        };
        options.logPath = dir.filePath("child.log").toStdString();
        options.environment["CUDA_VISIBLE_DEVICES"] = "";
        auto pid = common::startChild(options);
        QVERIFY(pid);
        QCOMPARE(exitStatusOf(*pid), 3);
        QFile log(dir.filePath("child.log"));
        QVERIFY(log.open(QIODevice::ReadOnly));
        QCOMPARE(log.readAll(), QByteArray("[from the parent] []\noops\n"));
    }

    void aProgramThatCannotRunExits127()
    {
        QTemporaryDir dir;
        common::ChildOptions options;
        options.args = { dir.filePath("no-such-program").toStdString() };
        options.logPath = dir.filePath("child.log").toStdString();
        auto pid = common::startChild(options);
        QVERIFY(pid);
        QCOMPARE(exitStatusOf(*pid), 127);
    }
};

QTEST_GUILESS_MAIN(TestChildProcess)
#include "tst_child_process.moc"
