// An agent's data roots: files inside them pass, everything else — absolute paths elsewhere,
// "..", symlinks pointing out — is refused naming the path, and a pipeline's source files are
// checked field by field.
#include "cluster/data_roots.h"
#include "pipeline/pipeline_parser.h"

#include <QtCore/QDir>
#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <unistd.h>

using namespace ts;

class TestDataRoots final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(QDir().mkpath(m_dir.filePath("data/fashion")));
        QVERIFY(QDir().mkpath(m_dir.filePath("secret")));
        QFile(m_dir.filePath("data/fashion/train.csv")).open(QIODevice::WriteOnly);
        QFile(m_dir.filePath("secret/keys.csv")).open(QIODevice::WriteOnly);
        // A link inside the root that points out of it.
        QCOMPARE(::symlink(m_dir.filePath("secret").toUtf8().constData(),
                           m_dir.filePath("data/escape").toUtf8().constData()),
                 0);
        m_roots = { m_dir.filePath("data").toStdString() };
    }

    void confines_data()
    {
        QTest::addColumn<QString>("path"); // relative to the temporary folder
        QTest::addColumn<bool>("allowed");
        QTest::newRow("a file in the root") << "data/fashion/train.csv" << true;
        QTest::newRow("a file that does not exist yet, in the root") << "data/new.csv" << true;
        QTest::newRow("the root itself") << "data" << true;
        QTest::newRow("a file outside") << "secret/keys.csv" << false;
        QTest::newRow("climbing out with ..") << "data/fashion/../../secret/keys.csv" << false;
        QTest::newRow("a symlink pointing out") << "data/escape/keys.csv" << false;
        QTest::newRow("a sibling whose name starts like the root") << "data-old/x.csv" << false;
        QTest::newRow("system files") << "/etc/passwd" << false;
    }
    void confines()
    {
        QFETCH(QString, path);
        QFETCH(bool, allowed);
        const std::string full =
                path.startsWith('/') ? path.toStdString() : m_dir.filePath(path).toStdString();
        auto root = cluster::confineToRoots(full, m_roots);
        QCOMPARE(bool(root), allowed);
        if (!allowed) {
            QCOMPARE(root.error().kind(), common::ErrorKind::InvalidInput);
            QVERIFY2(root.error().message().find("is outside the agent's data roots (" + m_roots[0]
                                                 + ")")
                             != std::string::npos,
                     root.error().message().c_str());
        }
    }

    void pipelineFilesByField()
    {
        const QString pipeline = QString(R"({ "trainstudio": 1, "name": "p", "stages": [
            { "source": { "format": "csv", "train": { "file": "%1" },
                          "split": { "test": 0.2 } } },
            { "train": { "model": { "type": "mlp", "hidden": [4] },
                         "optimizer": { "type": "sgd", "learningRate": 0.1 } } } ] })");
        auto inside = pipeline::parsePipeline(
                pipeline.arg(m_dir.filePath("data/fashion/train.csv")).toStdString(), "job.json",
                "");
        QVERIFY(inside);
        QVERIFY(cluster::checkPipelinePaths(*inside, m_roots).ok());
        auto outside =
                pipeline::parsePipeline(pipeline.arg("/etc/passwd").toStdString(), "job.json", "");
        QVERIFY(outside);
        const common::Result refused = cluster::checkPipelinePaths(*outside, m_roots);
        QVERIFY(!refused);
        QCOMPARE(QString::fromStdString(refused.error().message()),
                 QString("job.json: stages.source.train.file: /etc/passwd is outside the agent's "
                         "data roots (%1)")
                         .arg(QString::fromStdString(m_roots[0])));
        QVERIFY(!cluster::checkPipelinePaths(*inside, {}).ok()); // no roots: nothing is readable
    }

private:
    QTemporaryDir m_dir;
    std::vector<std::string> m_roots;
};

QTEST_APPLESS_MAIN(TestDataRoots)

#include "tst_data_roots.moc"
