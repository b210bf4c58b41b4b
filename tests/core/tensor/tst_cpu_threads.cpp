// The CPU backend's own thread pool: every parallel op gives the results of one thread, with
// chunks of uneven size — bit-identical for our own loops (each element is computed by the same
// arithmetic, only by another thread), within float rounding for sgemm split into blocks.
#include "common/random_values.h"
#include "tensor/cpu/cpu_backend.h"
#include "tensor/cpu/thread_pool.h"
#include "tensor/tensor.h"

#include <QtTest/QTest>

#include <algorithm>
#include <atomic>
#include <cmath>

using namespace ts::tensor;

namespace {

std::vector<float> randomValues(size_t n, uint32_t seed)
{
    return ts::testing::uniformValues(n, seed, -2.0f, 2.0f);
}

// 5 images (3 threads: chunks of 2, 2 and 1), 3x3 kernels with padding and stride.
WindowGeometry geometry()
{
    WindowGeometry g;
    g.batch = 5;
    g.height = 9;
    g.width = 7;
    g.channels = 6;
    g.kernelH = g.kernelW = 3;
    g.strideH = 2;
    g.padH = g.padW = 1;
    return g;
}

} // namespace

class TstCpuThreads : public QObject
{
    Q_OBJECT

private slots:
    void poolCoversEveryIndexOnce_data();
    void poolCoversEveryIndexOnce();
    void windowOpsMatchOneThread();
    void elementwiseOpsMatchOneThread();
    void gemmMatchesOneThread_data();
    void gemmMatchesOneThread();

private:
    CpuBackend m_one { 1 };
    CpuBackend m_three { 3 };
};

void TstCpuThreads::poolCoversEveryIndexOnce_data()
{
    QTest::addColumn<int>("threads");
    QTest::addColumn<qlonglong>("count");
    QTest::addColumn<qlonglong>("minPerThread");
    QTest::newRow("more items than threads, uneven") << 3 << qlonglong(1001) << qlonglong(1);
    QTest::newRow("fewer items than threads") << 4 << qlonglong(2) << qlonglong(1);
    QTest::newRow("too small to split runs on the caller") << 2 << qlonglong(10) << qlonglong(100);
    QTest::newRow("nothing to do") << 2 << qlonglong(0) << qlonglong(1);
}

void TstCpuThreads::poolCoversEveryIndexOnce()
{
    QFETCH(int, threads);
    QFETCH(qlonglong, count);
    QFETCH(qlonglong, minPerThread);
    ThreadPool pool(threads);
    std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
    for (int call = 0; call < 50; ++call) // repeated calls reuse the sleeping workers
        pool.parallelFor(count, minPerThread, [&](int64_t begin, int64_t end) {
            for (int64_t i = begin; i < end; ++i)
                ++hits[size_t(i)];
        });
    for (qlonglong i = 0; i < count; ++i)
        QCOMPARE(hits[size_t(i)].load(), 50);
}

void TstCpuThreads::windowOpsMatchOneThread()
{
    const WindowGeometry g = geometry();
    const Shape imageShape { g.batch, g.height, g.width, g.channels };
    const auto image = randomValues(size_t(elementCount(imageShape)), 1);
    const auto patches = randomValues(size_t(g.patchCount() * g.patchSize()), 2);
    const auto outGrad = randomValues(size_t(g.patchCount() * g.channels), 3);
    auto run = [&](CpuBackend& b) {
        const Tensor x = Tensor::fromHost(b, imageShape, image);
        Tensor columns(b, { g.patchCount(), g.patchSize() });
        b.im2col(x, g, columns);
        Tensor back(b, imageShape);
        b.col2im(Tensor::fromHost(b, { g.patchCount(), g.patchSize() }, patches), g, back);
        Tensor pooled(b, { g.patchCount(), g.channels });
        b.maxPoolForward(x, g, pooled);
        Tensor dx(b, imageShape);
        b.maxPoolBackward(x, pooled, Tensor::fromHost(b, pooled.shape(), outGrad), g, dx);
        return std::vector { columns.toHost(), back.toHost(), pooled.toHost(), dx.toHost() };
    };
    const auto one = run(m_one), three = run(m_three);
    const char* names[] = { "im2col", "col2im", "maxPoolForward", "maxPoolBackward" };
    for (size_t i = 0; i < one.size(); ++i)
        QVERIFY2(one[i] == three[i], names[i]);
}

void TstCpuThreads::elementwiseOpsMatchOneThread()
{
    const int64_t n = 200'003; // above the split threshold, not a multiple of 3
    const auto a = randomValues(size_t(n), 4), b = randomValues(size_t(n), 5);
    auto run = [&](CpuBackend& backend) {
        const Tensor x = Tensor::fromHost(backend, { n }, a);
        Tensor y(backend, { n }), dx(backend, { n });
        backend.reluForward(x, y);
        backend.reluBackward(y, Tensor::fromHost(backend, { n }, b), dx);
        Tensor w = Tensor::fromHost(backend, { n }, a);
        Tensor m = Tensor::zeros(backend, { n }), v = Tensor::zeros(backend, { n });
        AdamOptions adam;
        adam.weightDecay = 0.01f;
        for (adam.step = 1; adam.step <= 3; ++adam.step)
            backend.adamStep(w, Tensor::fromHost(backend, { n }, b), m, v, adam);
        return std::vector { y.toHost(), dx.toHost(), w.toHost(), v.toHost() };
    };
    const auto one = run(m_one), three = run(m_three);
    const char* names[] = { "reluForward", "reluBackward", "adamStep weights", "adamStep v" };
    for (size_t i = 0; i < one.size(); ++i)
        QVERIFY2(one[i] == three[i], names[i]);
}

void TstCpuThreads::gemmMatchesOneThread_data()
{
    QTest::addColumn<bool>("transA");
    QTest::addColumn<bool>("transB");
    QTest::addColumn<qlonglong>("m");
    QTest::addColumn<qlonglong>("n");
    QTest::addColumn<qlonglong>("k");
    // Tall outputs are split by rows, wide ones by columns; both with every transpose.
    for (bool ta : { false, true })
        for (bool tb : { false, true }) {
            const QByteArray ops = QByteArray(ta ? "A^T" : "A") + (tb ? "*B^T" : "*B");
            QTest::newRow(ops + ", tall 301x17") << ta << tb << 301LL << 17LL << 45LL;
            QTest::newRow(ops + ", wide 19x257") << ta << tb << 19LL << 257LL << 33LL;
        }
}

void TstCpuThreads::gemmMatchesOneThread()
{
    QFETCH(bool, transA);
    QFETCH(bool, transB);
    QFETCH(qlonglong, m);
    QFETCH(qlonglong, n);
    QFETCH(qlonglong, k);
    const auto a = randomValues(size_t(m * k), 6), b = randomValues(size_t(k * n), 7);
    const auto c0 = randomValues(size_t(m * n), 8);
    auto run = [&](CpuBackend& backend) {
        const Tensor ta = Tensor::fromHost(backend, transA ? Shape { k, m } : Shape { m, k }, a);
        const Tensor tb = Tensor::fromHost(backend, transB ? Shape { n, k } : Shape { k, n }, b);
        Tensor c = Tensor::fromHost(backend, { m, n }, c0);
        backend.gemm(transA ? Transpose::Yes : Transpose::No,
                     transB ? Transpose::Yes : Transpose::No, 0.5f, ta, tb, 2.0f, c);
        return c.toHost();
    };
    // Blocks of C start at other offsets than in one call, so OpenBLAS may take another path
    // for an edge tile (a different FMA order): equal within float rounding, not bitwise.
    const auto three = run(m_three), one = run(m_one);
    QCOMPARE(three.size(), one.size());
    double worst = 0;
    for (size_t i = 0; i < one.size(); ++i)
        worst = std::max(worst, double(std::abs(three[i] - one[i])) / (1.0 + std::abs(one[i])));
    QVERIFY2(worst < 1e-5, qPrintable(QString("largest relative difference %1").arg(worst)));
}

QTEST_APPLESS_MAIN(TstCpuThreads)
#include "tst_cpu_threads.moc"
