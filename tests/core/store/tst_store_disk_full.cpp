// The experiment store on a full disk: the test mounts a tiny tmpfs of its own and writes metrics
// until a commit fails. The failure must be a clear I/O error naming the store, the points must
// stay pending, the file must stay consistent and readable with every committed batch, and once
// space is freed the pending points must go in.
#include "store/metric_writer.h"
#include "store_test_support.h"

#include <QtCore/QCoreApplication>
#include <QtCore/QFile>
#include <QtCore/QProcess>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <unistd.h>

using namespace ts;

namespace {

// Mounts a tmpfs of `size` on `dir` for the lifetime of the object.
class TinyFilesystem
{
public:
    TinyFilesystem(const QString& dir, const QString& size)
        : m_dir(dir)
    {
        QProcess mount;
        mount.start("mount", { "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir });
        m_mounted = mount.waitForFinished(30000) && mount.exitStatus() == QProcess::NormalExit
                && mount.exitCode() == 0;
        m_error = QString::fromLocal8Bit(mount.readAllStandardError()).trimmed();
        if (mount.exitStatus() != QProcess::NormalExit || mount.error() != QProcess::UnknownError)
            m_error.prepend(mount.errorString() + ": "); // did not start or did not finish
    }
    // Why the mount failed, for the skip message.
    const QString& error() const { return m_error; }
    ~TinyFilesystem()
    {
        if (m_mounted)
            QProcess::execute("umount", { m_dir });
    }
    bool mounted() const { return m_mounted; }

private:
    QString m_dir;
    QString m_error;
    bool m_mounted = false;
};

int64_t rowCount(const QString& path)
{
    const QString rows = test::scalar(path, "SELECT count(*) FROM metrics");
    return rows.isEmpty() ? -1 : rows.toLongLong();
}

const char* const Name = "a_rather_long_metric_name_for_the_index";

// Whether a fresh store on `path` reads `steps` points of each of workers 0 and 1, with the
// values the test wrote (step + worker).
bool seriesAreWhole(const QString& path, int64_t run, int64_t steps)
{
    auto reader = store::ExperimentStore::open(path.toStdString());
    if (!reader) {
        qWarning("%s", reader.error().message().c_str());
        return false;
    }
    for (const int worker : { 0, 1 }) {
        auto series = (*reader)->metricSeries(run, Name, worker);
        if (!series || int64_t(series->size()) != steps)
            return false;
        for (int64_t step = 0; step < steps; ++step) {
            const store::MetricPoint& point = (*series)[size_t(step)];
            if (point.step != step || point.value != double(step + worker))
                return false;
        }
    }
    return true;
}

// Runs `program args` and returns its exit code, with its output in `output`; -1 when it did not
// start or finish.
int runProcess(const QString& program, const QStringList& args, QString* output)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(program, args);
    const bool finished =
            process.waitForFinished(60000) && process.exitStatus() == QProcess::NormalExit;
    *output = QString::fromLocal8Bit(process.readAll());
    if (!finished) // did not start, crashed or hung: Qt's reason is then the useful part
        output->prepend(process.errorString() + ": ");
    return finished ? process.exitCode() : -1;
}

} // namespace

class TestStoreDiskFull final : public QObject
{
    Q_OBJECT

private slots:
    void fullDiskIsAClearErrorAndLosesNothing()
    {
        if (geteuid() != 0) {
            // Mounting needs root; a user namespace with a mount namespace of its own makes this
            // process root there, with the right to mount a tmpfs only it sees.
            QString output;
            if (runProcess("unshare", { "-rm", "true" }, &output) != 0) {
                QSKIP(qPrintable("mounting the test's tiny tmpfs needs root, and this user may "
                                 "not make a user and mount namespace (unshare -rm true: "
                                 + output.trimmed() + ")"));
            }
            const int failures = runProcess("unshare",
                                            { "-rm", QCoreApplication::applicationFilePath(),
                                              QTest::currentTestFunction() },
                                            &output);
            qInfo("inside unshare -rm:\n%s", qPrintable(output));
            if (failures == 0 && output.contains("SKIP   :"))
                QSKIP("skipped inside unshare -rm (see its output above)");
            QVERIFY2(failures == 0, "failed inside unshare -rm (see its output above)");
            return;
        }
        QTemporaryDir dir;
        TinyFilesystem tiny(dir.path(), "320k");
        if (!tiny.mounted()) // a container without the right to mount
            QSKIP(qPrintable("cannot mount the test's tiny tmpfs here: " + tiny.error()));
        // A filler file takes part of the space, so that deleting it frees room later.
        const QString filler = dir.filePath("filler");
        {
            QFile f(filler);
            QVERIFY(f.open(QIODevice::WriteOnly));
            QVERIFY(f.write(QByteArray(64 * 1024, 'x')) == 64 * 1024);
        }
        const QString path = dir.filePath("store.sqlite");
        store::MetricWriter::Options options;
        options.batchRows = 1000000; // commits on flush() only
        auto writer = store::MetricWriter::open(path.toStdString(), options);
        QVERIFY2(writer, writer ? "" : writer.error().message().c_str());
        auto run = (*writer)->store().createRun({ "full", "disk", "{}", "cpu", {} });
        QVERIFY(run);

        // Two workers' series interleaved step by step, as a training loop appends them.
        constexpr int64_t Points = 200;
        int64_t committed = 0;
        common::Result failed;
        for (int64_t batch = 0; batch < 10000 && failed; ++batch) {
            for (int64_t i = 0; i < Points; ++i) {
                const int64_t step = (batch * Points + i) / 2;
                const int worker = int(i % 2);
                QVERIFY((*writer)->append(
                        { *run, Name, worker, step, double(step + worker), double(step) }));
            }
            failed = (*writer)->flush();
            if (failed)
                ++committed;
        }
        QVERIFY2(!failed, "the tiny filesystem never filled up");
        QCOMPARE(failed.error().kind(), common::ErrorKind::Io);
        const QString message = QString::fromStdString(failed.error().message());
        QVERIFY2(message.contains(path) && message.contains("disk is full"), qPrintable(message));
        QCOMPARE((*writer)->pending(), size_t(Points)); // kept for a retry
        QVERIFY(committed > 0);
        QCOMPARE((*writer)->committedBatches(), committed);
        // The last batch that went in, not the one that failed, is the one to replay.
        QCOMPARE(int64_t((*writer)->lastBatch().size()), Points);
        QCOMPARE((*writer)->lastBatch().front().step, (committed - 1) * Points / 2);
        qInfo("%lld batches committed, then: %s", static_cast<long long>(committed),
              qPrintable(message));

        // The file is consistent and holds exactly the committed batches.
        QVERIFY(seriesAreWhole(path, *run, committed * Points / 2));
        QCOMPARE(test::scalar(path, "PRAGMA integrity_check"), QString("ok"));
        QCOMPARE(rowCount(path), committed * Points);

        // Space freed: the pending points go in.
        QVERIFY(QFile::remove(filler));
        const common::Result retried = (*writer)->flush();
        QVERIFY2(retried, retried ? "" : retried.error().message().c_str());
        QCOMPARE((*writer)->pending(), size_t(0));
        QCOMPARE((*writer)->committedBatches(), committed + 1);
        QCOMPARE(rowCount(path), (committed + 1) * Points);
        QVERIFY(seriesAreWhole(path, *run, (committed + 1) * Points / 2));
        writer->reset(); // close the store before the filesystem goes
    }
};

QTEST_GUILESS_MAIN(TestStoreDiskFull)

#include "tst_store_disk_full.moc"
