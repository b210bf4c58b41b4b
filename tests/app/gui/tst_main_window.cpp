// The studio window on a temporary store, offscreen: runs table, charts, live refresh, failures,
// the Russian translation and a screenshot.
#include "main_window.h"
#include "metric_series_model.h"
#include "run_chart_widget.h"
#include "runs_model.h"

#include "common/fuzzy_compare.h" // for fuzzyEqual
#include "store/experiment_store.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLocale>
#include <QScopeGuard>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTranslator>
#include <QXmlStreamReader>
#include <QtCharts/QLineSeries>
#include <QtTest/QTest>

#include <cmath>
#include <memory>
#include <vector>

using ts::gui::MainWindow;
using ts::gui::RunsModel;
using ts::store::ExperimentStore;
using ts::store::MetricPoint;

namespace {

constexpr int LossPointCount = 25;
constexpr int LossStepEvery = 10;
constexpr double TestAccuracy = 0.84;

double lossAt(int index)
{
    return 2.3 * std::exp(-0.08 * index) + 0.2;
}

std::vector<MetricPoint> lossPoints(qint64 run, int first, int count)
{
    std::vector<MetricPoint> points;
    for (int i = first; i < first + count; ++i)
        points.push_back({ run, "train_loss", 0, int64_t(i + 1) * LossStepEvery, lossAt(i), 0.0 });
    return points;
}

std::unique_ptr<ExperimentStore> openStore(const QString& path)
{
    auto store = ExperimentStore::open(path.toStdString());
    if (!store)
        qWarning("cannot open %s: %s", qPrintable(path), store.error().message().c_str());
    return store ? std::move(*store) : nullptr;
}

// Every message of a .ts file that is unfinished or has an empty translation or numerus form
// (Russian has three numerus forms).
QString translationText(QXmlStreamReader& xml, QStringList* forms)
{
    QString text;
    while (!xml.atEnd()
           && !(xml.readNext() == QXmlStreamReader::EndElement && xml.name() == u"translation")) {
        if (xml.isCharacters())
            text += xml.text();
        else if (xml.isStartElement() && xml.name() == u"numerusform")
            *forms << xml.readElementText();
    }
    return text;
}

QStringList untranslatedMessages(QXmlStreamReader& xml)
{
    QStringList missing;
    QString source;
    while (!xml.atEnd()) {
        if (xml.readNext() != QXmlStreamReader::StartElement)
            continue;
        if (xml.name() == u"source") {
            source = xml.readElementText();
        } else if (xml.name() == u"translation") {
            const bool unfinished = xml.attributes().value(QLatin1String("type")) == u"unfinished";
            QStringList forms;
            const QString text = translationText(xml, &forms);
            const bool empty = forms.isEmpty() ? text.trimmed().isEmpty()
                                               : forms.contains(QString()) || forms.size() != 3;
            if (unfinished || empty)
                missing << QStringLiteral("\"%1\"%2")
                                   .arg(source, unfinished ? " (unfinished)" : "");
        }
    }
    return missing;
}

} // namespace

class TstMainWindow final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void opensStore();
    void runsModelShowsFinalAccuracy();
    void selectingRunShowsCharts();
    void statusBarNamesCompute();
    void unopenableStoreShowsError_data();
    void unopenableStoreShowsError();
    void liveRefreshKeepsSelection();
    void russianTranslationIsUsed();
    void russianTranslationIsComplete();
    void grabShowsContent();

private:
    std::unique_ptr<MainWindow> showWindow(const QString& storePath);

    QTemporaryDir m_dir;
    QString m_storePath;
    qint64 m_run = 0;
};

void TstMainWindow::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // Nothing may touch the real home: the default store path lives in the temporary folder too.
    qputenv("XDG_DATA_HOME", QFile::encodeName(m_dir.path()));
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));

    m_storePath = m_dir.filePath(QStringLiteral("store.sqlite"));
    auto store = openStore(m_storePath);
    QVERIFY(store);
    auto run = store->createRun({ .experiment = "fashion-mnist",
                                  .name = "quickstart",
                                  .pipelineJson = "{}",
                                  .backend = "CPU (OpenBLAS, 2 threads)",
                                  .params = { { "epochs", "1" } } });
    QVERIFY2(run, run ? "" : run.error().message().c_str());
    m_run = *run;
    std::vector<MetricPoint> points = lossPoints(m_run, 0, LossPointCount);
    const int64_t lastStep = int64_t(LossPointCount) * LossStepEvery;
    points.push_back({ m_run, "test_accuracy", 0, lastStep, TestAccuracy, 0.0 });
    points.push_back({ m_run, "samples_per_second", 0, lastStep, 5120.0, 0.0 });
    const auto appended = store->appendMetrics(points);
    QVERIFY2(appended, appended ? "" : appended.error().message().c_str());
    const auto finished = store->finishRun(m_run, ts::store::RunStatus::Finished);
    QVERIFY2(finished, finished ? "" : finished.error().message().c_str());
}

std::unique_ptr<MainWindow> TstMainWindow::showWindow(const QString& storePath)
{
    auto window = std::make_unique<MainWindow>(storePath);
    window->show();
    if (!QTest::qWaitForWindowExposed(window.get()))
        qWarning("the window was not exposed");
    return window;
}

void TstMainWindow::opensStore()
{
    auto window = showWindow(m_storePath);
    QVERIFY(window->isVisible());
    QVERIFY(window->isStoreOpen());
    QVERIFY(window->errorText().isEmpty());
    QVERIFY(window->windowTitle().contains(m_storePath));
    QCOMPARE(window->selectedRun(), qint64(-1));
    QCOMPARE(window->chartWidget()->currentRun(), qint64(-1));
    QCOMPARE(window->chartWidget()->lossSeries()->count(), 0);
}

void TstMainWindow::runsModelShowsFinalAccuracy()
{
    auto window = showWindow(m_storePath);
    const RunsModel* model = window->runsModel();
    QCOMPARE(model->rowCount(), 1);
    QCOMPARE(model->index(0, RunsModel::IdColumn).data(RunsModel::RunIdRole).toLongLong(), m_run);
    QCOMPARE(model->index(0, RunsModel::ExperimentColumn).data().toString(), "fashion-mnist");
    QCOMPARE(model->index(0, RunsModel::NameColumn).data().toString(), "quickstart");
    QCOMPARE(model->index(0, RunsModel::StatusColumn).data().toString(), "Finished");
    QCOMPARE(model->index(0, RunsModel::AccuracyColumn).data().toString(), "84.0 %");
    QCOMPARE(window->runsView()->model()->rowCount(), 1);
}

void TstMainWindow::selectingRunShowsCharts()
{
    auto window = showWindow(m_storePath);
    QVERIFY(!window->selectRun(m_run + 1000));
    QVERIFY(window->selectRun(m_run));
    QCOMPARE(window->selectedRun(), m_run);

    const QLineSeries* loss = window->chartWidget()->lossSeries();
    QCOMPARE(loss->count(), LossPointCount);
    QCOMPARE(loss->at(0).x(), double(LossStepEvery));
    QVERIFY(ts::test::fuzzyEqual(loss->at(0).y(), lossAt(0)));
    QCOMPARE(loss->at(LossPointCount - 1).x(), double(LossPointCount * LossStepEvery));
    QVERIFY(ts::test::fuzzyEqual(loss->at(LossPointCount - 1).y(), lossAt(LossPointCount - 1)));

    const QLineSeries* accuracy = window->chartWidget()->accuracySeries();
    QCOMPARE(accuracy->count(), 1);
    QVERIFY(ts::test::fuzzyEqual(accuracy->at(0).y(), TestAccuracy));
    QVERIFY(accuracy->pointsVisible()); // a single epoch must still be visible
}

void TstMainWindow::statusBarNamesCompute()
{
    auto window = showWindow(m_storePath);
    QVERIFY2(window->computeText().startsWith("Compute: "), qPrintable(window->computeText()));
    const auto label = window->statusBar()->findChild<QLabel*>(QStringLiteral("computeLabel"));
    QVERIFY(label);
    QVERIFY2(label->text().startsWith("Compute: "), qPrintable(label->text()));
    QVERIFY(label->isVisible());
}

void TstMainWindow::unopenableStoreShowsError_data()
{
    QTest::addColumn<QString>("kind");
    QTest::newRow("a directory") << "directory";
    QTest::newRow("a file of garbage") << "garbage";
}

void TstMainWindow::unopenableStoreShowsError()
{
    QFETCH(QString, kind);
    QString path;
    if (kind == "directory") {
        path = m_dir.filePath(QStringLiteral("a-folder.sqlite"));
        QVERIFY(QDir().mkpath(path));
    } else {
        path = m_dir.filePath(QStringLiteral("garbage.sqlite"));
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        for (int i = 0; i < 512; ++i)
            file.write("this is not an SQLite database, only garbage\n");
    }
    auto window = showWindow(path);
    QVERIFY(!window->isStoreOpen());
    QVERIFY2(window->errorText().contains(path), qPrintable(window->errorText()));
    QCOMPARE(window->runsModel()->rowCount(), 0);
    QVERIFY(!window->selectRun(m_run));
    window->refresh(); // a timer tick on a store that is not open must do nothing
    QVERIFY(window->errorText().contains(path));
}

void TstMainWindow::liveRefreshKeepsSelection()
{
    auto window = showWindow(m_storePath);
    QVERIFY(window->selectRun(m_run));
    QCOMPARE(window->chartWidget()->lossSeries()->count(), LossPointCount);

    auto writer = openStore(m_storePath); // a training process writing while the studio reads
    QVERIFY(writer);
    const auto appended = writer->appendMetrics(lossPoints(m_run, LossPointCount, 5));
    QVERIFY2(appended, appended ? "" : appended.error().message().c_str());

    QTRY_COMPARE_WITH_TIMEOUT(window->chartWidget()->lossSeries()->count(), LossPointCount + 5,
                              10000);
    QCOMPARE(window->selectedRun(), m_run);
    QCOMPARE(window->runsView()->selectionModel()->selectedRows().size(), 1);
    QCOMPARE(window->chartWidget()->lossModel()->rowCount(), LossPointCount + 5);
    const QPointF last = window->chartWidget()->lossSeries()->at(LossPointCount + 4);
    QCOMPARE(last.x(), double((LossPointCount + 5) * LossStepEvery));
    QVERIFY(ts::test::fuzzyEqual(last.y(), lossAt(LossPointCount + 4)));
}

void TstMainWindow::russianTranslationIsUsed()
{
    QTranslator translator;
    QVERIFY(translator.load(QLocale(QStringLiteral("ru_RU")), QStringLiteral("trainstudio"),
                            QStringLiteral("_"), QStringLiteral(":/i18n")));
    QVERIFY(QCoreApplication::installTranslator(&translator));
    const auto uninstall = qScopeGuard([&] { QCoreApplication::removeTranslator(&translator); });

    auto window = showWindow(m_storePath);
    const QAbstractItemModel* table = window->runsView()->model();
    QCOMPARE(table->headerData(RunsModel::NameColumn, Qt::Horizontal).toString(),
             QString::fromUtf8("Запуск"));
    QCOMPARE(table->headerData(RunsModel::AccuracyColumn, Qt::Horizontal).toString(),
             QString::fromUtf8("Точность на тесте"));
    QCOMPARE(window->chartWidget()->lossSeries()->name(), QString::fromUtf8("Потери при обучении"));
    QCOMPARE(window->runsModel()->index(0, RunsModel::StatusColumn).data().toString(),
             QString::fromUtf8("Завершён"));
    QVERIFY2(window->computeText().startsWith(QString::fromUtf8("Вычисления: ")),
             qPrintable(window->computeText()));
}

void TstMainWindow::russianTranslationIsComplete()
{
    QFile file(QStringLiteral(TS_SOURCE_DIR "/translations/trainstudio_ru.ts"));
    QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
    QXmlStreamReader xml(&file);
    const QStringList missing = untranslatedMessages(xml);
    QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
    QVERIFY2(missing.isEmpty(),
             qPrintable(QStringLiteral("untranslated in %1:\n  %2")
                                .arg(file.fileName(), missing.join(QStringLiteral("\n  ")))));
    // The file must hold the studio's strings at all (lupdate ran on the right sources).
    file.seek(0);
    const QByteArray content = file.readAll();
    QVERIFY(content.count("<message") >= 20);
    QVERIFY(content.contains("Select a run to see its charts"));
}

void TstMainWindow::grabShowsContent()
{
    auto window = showWindow(m_storePath);
    QVERIFY(window->selectRun(m_run));
    const QString path = m_dir.filePath(QStringLiteral("window.png"));
    QVERIFY(window->grab().save(path));

    const QImage image(path);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() >= 400 && image.height() >= 300);
    const QRgb first = image.pixel(0, 0);
    int differing = 0;
    for (int y = 0; y < image.height(); y += 4) {
        for (int x = 0; x < image.width(); x += 4)
            differing += image.pixel(x, y) != first ? 1 : 0;
    }
    QVERIFY2(differing > 100, "the window image is a single flat colour");
}

QTEST_MAIN(TstMainWindow)

#include "tst_main_window.moc"
