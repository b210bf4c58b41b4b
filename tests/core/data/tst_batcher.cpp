// Batcher (data/batcher.h): the order of an epoch depends only on (seed, epoch), and the slices of
// N data-parallel ranks together are exactly the global batch one worker with N x the batch size
// takes, with parts that differ by at most one row.
#include "data/batcher.h"
#include "tensor/backend_registry.h"

#include <QtTest/QTest>

#include <algorithm>

using namespace ts;

namespace {

// Row i has the single feature i, so a batch's features name its rows.
data::Dataset numberedRows(int64_t rows)
{
    data::Dataset d;
    d.rows = rows;
    d.cols = 1;
    d.classCount = 2;
    for (int64_t i = 0; i < rows; ++i) {
        d.features.push_back(float(i));
        d.labels.push_back(float(i % 2));
    }
    return d;
}

std::vector<float> rowsOf(data::Batcher& batcher, int64_t batch, tensor::Backend& backend)
{
    tensor::Tensor features, labels;
    batcher.fill(batch, backend, features, labels);
    return features.toHost();
}

} // namespace

class TestBatcher final : public QObject
{
    Q_OBJECT

private slots:
    void sameSeedSameOrder()
    {
        const data::Dataset d = numberedRows(100);
        data::Batcher a(d, 16, 7), b(d, 16, 7), c(d, 16, 8);
        a.startEpoch(3);
        b.startEpoch(3);
        c.startEpoch(3);
        QCOMPARE(a.order(), b.order());
        QVERIFY(a.order() != c.order());
        b.startEpoch(4);
        QVERIFY(a.order() != b.order());
    }

    void slicesMakeTheGlobalBatch_data()
    {
        QTest::addColumn<int64_t>("rows");
        QTest::addColumn<int64_t>("batchSize");
        QTest::addColumn<int>("ranks");
        QTest::addColumn<int64_t>("expectedBatches");
        QTest::newRow("2 ranks, rows a multiple of the global batch")
                << int64_t(128) << int64_t(16) << 2 << int64_t(4);
        QTest::newRow("4 ranks, a last partial global batch")
                << int64_t(100) << int64_t(8) << 4 << int64_t(4);
        QTest::newRow("3 ranks, uneven parts of the last batch")
                << int64_t(52) << int64_t(4) << 3 << int64_t(5);
        QTest::newRow("4 ranks, a last batch of fewer rows than ranks is left out")
                << int64_t(66) << int64_t(8) << 4 << int64_t(2);
        QTest::newRow("1 rank is the plain batcher")
                << int64_t(33) << int64_t(10) << 1 << int64_t(4);
    }
    void slicesMakeTheGlobalBatch()
    {
        QFETCH(int64_t, rows);
        QFETCH(int64_t, batchSize);
        QFETCH(int, ranks);
        QFETCH(int64_t, expectedBatches);
        auto backend = tensor::createCpuBackend(1);
        const data::Dataset d = numberedRows(rows);
        data::Batcher single(d, batchSize * ranks, 11);
        single.startEpoch(2);
        std::vector<std::unique_ptr<data::Batcher>> parts;
        for (int r = 0; r < ranks; ++r) {
            parts.push_back(std::make_unique<data::Batcher>(d, batchSize, 11));
            parts.back()->setSlice(r, ranks);
            parts.back()->startEpoch(2);
        }
        QCOMPARE(parts[0]->batchCount(), expectedBatches);
        for (int64_t b = 0; b < expectedBatches; ++b) {
            std::vector<float> joined;
            int64_t smallest = rows, largest = 0;
            for (int r = 0; r < ranks; ++r) {
                QCOMPARE(parts[size_t(r)]->batchCount(), expectedBatches);
                QCOMPARE(parts[size_t(r)]->rowsInGlobalBatch(b), single.rowsInBatch(b));
                const std::vector<float> part = rowsOf(*parts[size_t(r)], b, *backend);
                QCOMPARE(int64_t(part.size()), parts[size_t(r)]->rowsInBatch(b));
                smallest = std::min<int64_t>(smallest, int64_t(part.size()));
                largest = std::max<int64_t>(largest, int64_t(part.size()));
                joined.insert(joined.end(), part.begin(), part.end());
            }
            QCOMPARE(joined, rowsOf(single, b, *backend));
            QVERIFY2(largest - smallest <= 1, "the ranks' parts differ by more than one row");
            QVERIFY(smallest >= 1);
        }
    }
};

QTEST_GUILESS_MAIN(TestBatcher)
#include "tst_batcher.moc"
