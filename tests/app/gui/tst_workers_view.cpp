// The workers of a run below its chart (workers_view.h): hidden for a run of one process; for a
// run of two workers, each one's step-time percentiles and parts, the staleness histogram of its
// updates and its straggler or lost events, read from the store.
#include "main_window.h"
#include "staleness_chart.h"
#include "workers_view.h"

#include "store/experiment_store.h"

#include <QStandardItemModel>
#include <QTemporaryDir>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtTest/QTest>

using ts::gui::WorkersView;
using ts::store::MetricPoint;

class TestWorkersView final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        qputenv("XDG_DATA_HOME", QFile::encodeName(m_dir.path()));
        auto store = ts::store::ExperimentStore::open(m_dir.filePath("store.sqlite").toStdString());
        QVERIFY(store);
        m_single = *(*store)->createRun({ "e", "one process", "{}", "cpu", {} });
        const std::vector<MetricPoint> single { { m_single, "time_compute_ms", 0, 50, 1.0, 0 } };
        QVERIFY((*store)->appendMetrics(single));
        m_distributed = *(*store)->createRun({ "e", "two workers", "{}", "cpu", {} });
        std::vector<MetricPoint> points;
        for (int64_t window = 1; window <= 10; ++window)
            for (int worker : { 0, 1 }) {
                const int64_t step = 50 * window;
                points.push_back({ m_distributed, "time_data_ms", worker, step, 0.5, 0 });
                points.push_back({ m_distributed, "time_compute_ms", worker, step,
                                   worker == 1 ? 30.0 : 10.0, 0 });
                points.push_back({ m_distributed, "time_comm_ms", worker, step,
                                   worker == 1 ? 1.0 : 20.0, 0 });
            }
        QVERIFY((*store)->appendMetrics(points));
        const std::vector<int64_t> stale0 { 0, 0, 1, 2 }, stale1 { 0, 0, 0 };
        QVERIFY((*store)->recordStaleness(m_distributed, 0, stale0));
        QVERIFY((*store)->recordStaleness(m_distributed, 1, stale1));
        QVERIFY((*store)->addEvent({ 0, m_distributed, 1.0, "straggler", 1, "worker 1 is slow" }));
        QVERIFY((*store)->addEvent({ 0, m_distributed, 2.0, "started", -1, "" }));
    }

    void oneProcessShowsNoWorkers()
    {
        ts::gui::MainWindow window(m_dir.filePath("store.sqlite"));
        QVERIFY(window.selectRun(m_single));
        QVERIFY(window.workersView()->isHidden());
        QCOMPARE(window.workersView()->model()->rowCount(), 0);
    }

    void twoWorkersShowTheirTimesStalenessAndEvents()
    {
        ts::gui::MainWindow window(m_dir.filePath("store.sqlite"));
        QVERIFY(window.selectRun(m_distributed));
        const QStandardItemModel* m = window.workersView()->model();
        QVERIFY(!window.workersView()->isHidden());
        QCOMPARE(m->rowCount(), 2);
        const auto cell = [&](int row, int column) { return m->item(row, column)->text(); };
        QCOMPARE(cell(0, WorkersView::Worker), QString("0"));
        QCOMPARE(cell(0, WorkersView::StepP50), QString("30.5"));
        QCOMPARE(cell(0, WorkersView::Compute), QString("10.0"));
        QCOMPARE(cell(0, WorkersView::Waiting), QString("20.0"));
        QCOMPARE(cell(0, WorkersView::Staleness), QString("0: 2, 1: 1, 2: 1"));
        QCOMPARE(cell(0, WorkersView::Events), QString());
        QCOMPARE(cell(1, WorkersView::StepP50), QString("31.5"));
        QCOMPARE(cell(1, WorkersView::Data), QString("0.50"));
        QCOMPARE(cell(1, WorkersView::Staleness), QString("0: 3"));
        QCOMPARE(cell(1, WorkersView::Events), QString("straggler"));
        // The histograms as bars: a set per worker, a bar per staleness 0 .. 2.
        const ts::gui::StalenessChart* chart = window.workersView()->stalenessChart();
        QVERIFY(!chart->isHidden());
        const QList<QBarSet*> sets = chart->series()->barSets();
        QCOMPARE(sets.size(), 2);
        QCOMPARE(sets[0]->label(), QString("Worker 0"));
        QCOMPARE(sets[1]->label(), QString("Worker 1"));
        const auto values = [](const QBarSet* set) {
            QList<double> out;
            for (int i = 0; i < set->count(); ++i)
                out << set->at(i);
            return out;
        };
        QCOMPARE(values(sets[0]), (QList<double> { 2, 1, 1 }));
        QCOMPARE(values(sets[1]), (QList<double> { 3, 0, 0 }));
        const auto axes = chart->chart()->axes(Qt::Horizontal);
        QCOMPARE(axes.size(), 1);
        QCOMPARE(static_cast<QBarCategoryAxis*>(axes[0])->categories(),
                 (QStringList { "0", "1", "2" }));
        // Back to a run of one process: hidden again.
        QVERIFY(window.selectRun(m_single));
        QVERIFY(window.workersView()->isHidden());
        QVERIFY(chart->isHidden());
    }

private:
    QTemporaryDir m_dir;
    qint64 m_single = 0;
    qint64 m_distributed = 0;
};

QTEST_MAIN(TestWorkersView)
#include "tst_workers_view.moc"
