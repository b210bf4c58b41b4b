// trainstudio-cli runs export: every point of a run's metrics as CSV or JSON, values that read
// back to the same bits, filters, and errors that leave an existing file alone.
#include "cli_process.h"
#include "store/experiment_store.h"

#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QJsonDocument>
#include <QtCore/QJsonObject>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

using namespace ts;
using test::runCli;

class TstCliExport : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        m_store = m_dir.path() + "/store.sqlite";
        const auto o = runCli({ "run", TS_SOURCE_DIR "/resources/pipelines/fashion-catalogue.json",
                                "--store", m_store },
                              m_dir.path());
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
    }

    // runs list filters and sorts by parameters and metrics (a second run, the tabular example,
    // scores 0.757 against the catalogue's 0.680).
    void listFiltersAndSorts_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QList<int>>("ids");
        QTest::newRow("newest first by default") << QStringList {} << QList<int> { 2, 1 };
        QTest::newRow("by a metric, best first")
                << QStringList { "--sort", "metric:test_accuracy" } << QList<int> { 2, 1 };
        QTest::newRow("by a metric, ascending")
                << QStringList { "--sort", "metric:test_accuracy", "--ascending" }
                << QList<int> { 1, 2 };
        QTest::newRow("a metric threshold")
                << QStringList { "--where", "metric:test_accuracy>0.7" } << QList<int> { 2 };
        QTest::newRow("a parameter and a metric")
                << QStringList { "--where", "param:prep.log.ink_px=log1p", "--where",
                                 "metric:test_accuracy<0.7" }
                << QList<int> { 1 };
        QTest::newRow("text contains")
                << QStringList { "--where", "experiment~catalogue" } << QList<int> { 1 };
        QTest::newRow("a limit") << QStringList { "--limit", "1" } << QList<int> { 2 };
    }
    void listFiltersAndSorts()
    {
        QFETCH(QStringList, args);
        QFETCH(QList<int>, ids);
        if (!m_secondRun) {
            const auto o =
                    runCli({ "run", TS_SOURCE_DIR "/resources/pipelines/fashion-tabular.json",
                             "--store", m_store },
                           m_dir.path());
            QVERIFY2(o.exitCode == 0, qPrintable(o.err));
            m_secondRun = true;
        }
        const auto o = runCli(QStringList { "runs", "list", "--store", m_store, "--json" } + args,
                              m_dir.path());
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QList<int> listed;
        for (const QJsonValue& run : QJsonDocument::fromJson(o.out.toUtf8())["runs"].toArray())
            listed << run["id"].toInt();
        QCOMPARE(listed, ids);
    }

    void listRefusesBadFilters_data()
    {
        QTest::addColumn<QString>("where");
        QTest::addColumn<QString>("message");
        QTest::newRow("no operator") << "accuracy"
                                     << "--where 'accuracy': expected KEY OP VALUE";
        QTest::newRow("an unknown key") << "parm:lr=1"
                                        << "unknown key 'parm:lr'";
    }
    void listRefusesBadFilters()
    {
        QFETCH(QString, where);
        QFETCH(QString, message);
        const auto o =
                runCli({ "runs", "list", "--store", m_store, "--where", where }, m_dir.path());
        QCOMPARE(o.exitCode, 2);
        QVERIFY2(o.err.contains(message), qPrintable(o.err));
    }

    void csvHoldsEveryPointExactly()
    {
        const auto o = runCli({ "runs", "export", "1", "--store", m_store }, m_dir.path());
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QStringList lines = o.out.split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.takeFirst(), QString("run,name,worker,step,value,wall_time"));

        auto store = store::ExperimentStore::open(m_store.toStdString());
        QVERIFY(store);
        auto run = (*store)->runDetails(1);
        QVERIFY(run);
        qsizetype expected = 0;
        for (const std::string& name : run->metricNames) {
            auto points = (*store)->metricSeries(1, name);
            QVERIFY(points);
            expected += qsizetype(points->size());
            // The first point of each metric reads back to the stored double, bit for bit.
            const QString prefix = "1," + QString::fromStdString(name) + ",0,";
            const auto line = std::find_if(lines.begin(), lines.end(),
                                           [&](const QString& l) { return l.startsWith(prefix); });
            QVERIFY2(line != lines.end(), qPrintable(prefix));
            const QStringList fields = line->split(',');
            QCOMPARE(fields[3].toLongLong(), (long long)points->front().step);
            QCOMPARE(fields[4].toDouble(), points->front().value);
        }
        QCOMPARE(lines.size(), expected);
    }

    void jsonWithRunAndFilters()
    {
        const QString file = m_dir.path() + "/loss.json";
        const auto o = runCli({ "runs", "export", "1", "--store", m_store, "--format", "json",
                                "--metric", "train_loss", "--worker", "0", "-o", file },
                              m_dir.path());
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject doc = QJsonDocument::fromJson(f.readAll()).object();
        QCOMPARE(doc["run"].toObject()["id"].toInt(), 1);
        QCOMPARE(doc["run"].toObject()["params"].toObject()["source.format"].toString(),
                 QString("csv"));
        const QJsonObject metrics = doc["metrics"].toObject();
        QCOMPARE(metrics.keys(), QStringList { "train_loss" });
        const QJsonArray points = metrics["train_loss"].toArray();
        QVERIFY(points.size() > 10);
        QCOMPARE(points[0].toObject()["worker"].toInt(), 0);
        QVERIFY(!QFile::exists(file + ".part")); // the temporary was renamed into place
    }

    void mistakesLeaveFilesAlone_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        QTest::newRow("an unknown metric")
                << QStringList { "--metric", "train_los" } << 2
                << "run 1 has no metric 'train_los' (did you mean 'train_loss'?)";
        QTest::newRow("an unknown run") << QStringList { "--run-instead" } << 2 << "no run 7";
        QTest::newRow("an unknown format")
                << QStringList { "--format", "xml" } << 2 << "--format: xml not in {csv,json}";
    }
    void mistakesLeaveFilesAlone()
    {
        QFETCH(QStringList, args);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        const QString file = m_dir.path() + "/kept.csv";
        QFile keep(file);
        QVERIFY(keep.open(QIODevice::WriteOnly));
        keep.write("an earlier export\n");
        keep.close();
        QStringList command { "runs", "export", "1", "--store", m_store, "-o", file };
        if (args == QStringList { "--run-instead" })
            command[2] = "7";
        else
            command += args;
        const auto o = runCli(command, m_dir.path());
        QCOMPARE(o.exitCode, exitCode);
        QVERIFY2(o.err.contains(message), qPrintable(o.err));
        QVERIFY(keep.open(QIODevice::ReadOnly));
        QCOMPARE(keep.readAll(), QByteArray("an earlier export\n"));
    }

    void aFolderThatDoesNotExist()
    {
        const QString file = m_dir.path() + "/no/such/folder/out.csv";
        const auto o =
                runCli({ "runs", "export", "1", "--store", m_store, "-o", file }, m_dir.path());
        QCOMPARE(o.exitCode, 1);
        QVERIFY2(o.err.contains(file + ": cannot write"), qPrintable(o.err));
    }

private:
    QTemporaryDir m_dir;
    QString m_store;
    bool m_secondRun = false;
};

QTEST_GUILESS_MAIN(TstCliExport)

#include "tst_cli_export.moc"
