// The fitted prep a run stores is the prep it trained with: applied to new raw rows after a trip
// through the experiment store, it gives exactly (bit for bit) the model input of training time,
// whatever order the rows come in and whatever codes a new read gives their categories.
#include "data/csv_reader.h"
#include "data/fitted_prep.h"
#include "pipeline/pipeline_parser.h"
#include "store/experiment_store.h"
#include "train/data_preparation.h"
#include "train/store_recorder.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cstring>

using namespace ts;

namespace {

const QString Catalogue =
        QStringLiteral(TS_SOURCE_DIR "/resources/pipelines/fashion-catalogue.json");

bool sameBits(const float* a, const float* b, int64_t count)
{
    return std::memcmp(a, b, size_t(count) * sizeof(float)) == 0;
}

} // namespace

class TestPrepRoundTrip final : public QObject
{
    Q_OBJECT

private slots:
    void storedPrepReproducesTrainingInput()
    {
        auto spec = pipeline::loadPipeline(Catalogue.toStdString());
        QVERIFY2(spec, spec ? "" : spec.error().message().c_str());
        auto trained = train::preparePipelineData(*spec);
        QVERIFY2(trained, trained ? "" : trained.error().message().c_str());
        const data::Dataset rawTest = trained->test; // the held-out rows, as read
        auto prep = train::applyFittedPrep(*spec, *trained);
        QVERIFY2(prep, prep ? "" : prep.error().message().c_str());
        // One-hot columns widen the table: the prep did real work.
        QVERIFY(trained->test.cols > rawTest.cols);

        // Through the store, as a deployment will read it.
        QTemporaryDir dir;
        const std::string storePath = dir.filePath("store.db").toStdString();
        std::string stored;
        {
            auto store = store::ExperimentStore::open(storePath);
            QVERIFY(store);
            train::PreparedData withPrep;
            withPrep.prepJson = prep->toJson();
            auto recorder = train::StoreRecorder::open(**store);
            QVERIFY(recorder.ok());
            auto run =
                    train::createRunWithStats(**recorder, { "e", "r", "{}", "cpu", {} }, withPrep);
            QVERIFY2(run, run ? "" : run.error().message().c_str());
            auto json = (*store)->fittedPrep(*run);
            QVERIFY2(json, json ? "" : json.error().message().c_str());
            stored = *json;
        }
        auto restored = data::FittedPrep::fromJson(stored);
        QVERIFY2(restored, restored ? "" : restored.error().message().c_str());
        QCOMPARE(restored->outputColumns(), prep->outputColumns());

        data::Dataset again = rawTest;
        QVERIFY(restored->apply(again).ok());
        QCOMPARE(again.cols, trained->test.cols);
        QCOMPARE(again.rows, trained->test.rows);
        QVERIFY(sameBits(again.features.data(), trained->test.features.data(),
                         again.rows * again.cols));
    }

    // New rows in another file, in reverse order: a fresh read numbers their categories
    // differently, and the prep must still give each row the values it had in training.
    void newRowsInAnotherOrder()
    {
        auto spec = pipeline::loadPipeline(Catalogue.toStdString());
        QVERIFY(spec);
        auto trained = train::preparePipelineData(*spec);
        QVERIFY(trained);
        auto prep = train::applyFittedPrep(*spec, *trained);
        QVERIFY(prep);
        auto restored = data::FittedPrep::fromJson(prep->toJson());
        QVERIFY(restored);

        // The raw catalogue, the last 600 rows reversed (the time split's test rows), with the
        // derived columns the pipeline adds before its prep.
        QFile source(QStringLiteral(TS_SOURCE_DIR "/resources/data/fashion-catalogue.csv"));
        QVERIFY(source.open(QIODevice::ReadOnly));
        QList<QByteArray> lines = source.readAll().trimmed().split('\n');
        const QByteArray header = lines.takeFirst();
        QTemporaryDir dir;
        const QString path = dir.filePath("new-rows.csv");
        QFile out(path);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(header + "\n");
        const int64_t testRows = trained->test.rows;
        for (int64_t i = 0; i < testRows; ++i)
            out.write(lines[lines.size() - 1 - int(i)] + "\n");
        out.close();

        pipeline::PipelineSpec newRows = *spec;
        newRows.source.train.images = path.toStdString();
        newRows.source.holdout.enabled = false;
        newRows.source.test.images = path.toStdString();
        auto read = train::preparePipelineData(newRows, false);
        QVERIFY2(read, read ? "" : read.error().message().c_str());
        data::Dataset fresh = read->test;
        QVERIFY(restored->apply(fresh).ok());
        QCOMPARE(fresh.cols, trained->test.cols);
        QCOMPARE(fresh.rows, testRows);
        for (int64_t i = 0; i < testRows; ++i)
            QVERIFY2(sameBits(fresh.row(i), trained->test.row(testRows - 1 - i), fresh.cols),
                     qPrintable(QString("new row %1").arg(i)));
    }
};

QTEST_APPLESS_MAIN(TestPrepRoundTrip)

#include "tst_prep_round_trip.moc"
