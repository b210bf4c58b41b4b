// The CPU backend's ops against values worked out by hand.
#include "common/fuzzy_compare.h"
#include "tensor/cpu/cpu_backend.h"
#include "tensor/tensor.h"

#include <QtTest/QTest>

#include <cmath>
#include <vector>

using namespace ts::tensor;
using Floats = std::vector<float>;

Q_DECLARE_METATYPE(Floats)

class TstCpuBackend : public QObject
{
    Q_OBJECT

private slots:
    void gemm_data();
    void gemm();
    void addRowVectorAndSumRows();
    void relu();
    void softmaxCrossEntropy_data();
    void softmaxCrossEntropy();
    void countCorrect();
    void sgdMomentumMatchesPyTorchRule();
    void nameSaysLibraryAndThreads();

private:
    CpuBackend m_cpu { 1 };
};

void TstCpuBackend::gemm_data()
{
    QTest::addColumn<bool>("transA");
    QTest::addColumn<bool>("transB");
    QTest::addColumn<float>("beta");
    QTest::addColumn<Floats>("expected");
    // a = [1 2 3; 4 5 6] (2x3), b = [1 0; 0 1; 2 -1] (3x2), c starts as [1 1; 1 1].
    QTest::newRow("a*b") << false << false << 0.0f << Floats { 7, -1, 16, -1 };
    QTest::newRow("a*b + c (beta 1 accumulates)")
            << false << false << 1.0f << Floats { 8, 0, 17, 0 };
    // a^T (3x2) * a (2x3) = the Gram matrix of a's columns.
    QTest::newRow("a^T*a") << true << false << 0.0f
                           << Floats { 17, 22, 27, 22, 29, 36, 27, 36, 45 };
    // a * a^T (2x2).
    QTest::newRow("a*a^T") << false << true << 0.0f << Floats { 14, 32, 32, 77 };
}

void TstCpuBackend::gemm()
{
    QFETCH(bool, transA);
    QFETCH(bool, transB);
    QFETCH(float, beta);
    QFETCH(Floats, expected);
    const Tensor a = Tensor::fromHost(m_cpu, { 2, 3 }, Floats { 1, 2, 3, 4, 5, 6 });
    const Tensor b = Tensor::fromHost(m_cpu, { 3, 2 }, Floats { 1, 0, 0, 1, 2, -1 });
    const Tensor& right = transA || transB ? a : b;
    const int64_t m = transA ? 3 : 2;
    const int64_t n = transA ? 3 : (transB ? 2 : 2);
    Tensor c = Tensor::fromHost(m_cpu, { m, n }, Floats(size_t(m * n), 1.0f));
    m_cpu.gemm(transA ? Transpose::Yes : Transpose::No, transB ? Transpose::Yes : Transpose::No,
               1.0f, a, right, beta, c);
    TS_COMPARE_FLOATS(c.toHost(), expected, 0, 0);
}

void TstCpuBackend::addRowVectorAndSumRows()
{
    Tensor y = Tensor::fromHost(m_cpu, { 2, 3 }, Floats { 1, 2, 3, 4, 5, 6 });
    const Tensor bias = Tensor::fromHost(m_cpu, { 3 }, Floats { 10, 20, 30 });
    m_cpu.addRowVector(y, bias);
    TS_COMPARE_FLOATS(y.toHost(), (Floats { 11, 22, 33, 14, 25, 36 }), 0, 0);
    Tensor sums(m_cpu, { 3 });
    m_cpu.sumRows(y, sums);
    TS_COMPARE_FLOATS(sums.toHost(), (Floats { 25, 47, 69 }), 0, 0);
}

void TstCpuBackend::relu()
{
    const Tensor x = Tensor::fromHost(m_cpu, { 1, 4 }, Floats { -2, 0, 0.5f, 3 });
    Tensor y(m_cpu, { 1, 4 });
    m_cpu.reluForward(x, y);
    TS_COMPARE_FLOATS(y.toHost(), (Floats { 0, 0, 0.5f, 3 }), 0, 0);
    const Tensor dy = Tensor::fromHost(m_cpu, { 1, 4 }, Floats { 1, 1, 1, 1 });
    Tensor dx(m_cpu, { 1, 4 });
    m_cpu.reluBackward(y, dy, dx);
    // The gradient at exactly 0 is 0, as in PyTorch.
    TS_COMPARE_FLOATS(dx.toHost(), (Floats { 0, 0, 1, 1 }), 0, 0);
}

void TstCpuBackend::softmaxCrossEntropy_data()
{
    QTest::addColumn<Floats>("logits");
    QTest::addColumn<float>("label");
    QTest::addColumn<double>("expectedLoss");
    QTest::addColumn<Floats>("expectedGrad");
    // Equal logits: p = 1/3 each, loss = ln 3, grad = p - onehot.
    QTest::newRow("uniform over 3 classes")
            << Floats { 0, 0, 0 } << 1.0f << std::log(3.0) << Floats { 1 / 3.f, -2 / 3.f, 1 / 3.f };
    // A shift of every logit changes nothing; 1000 would overflow exp without the max trick.
    QTest::newRow("large logits stay finite")
            << Floats { 1000, 1000, 1000 } << 0.0f << std::log(3.0)
            << Floats { -2 / 3.f, 1 / 3.f, 1 / 3.f };
    // logits (ln 1, ln 3): p = (1/4, 3/4); label 0: loss = ln 4.
    QTest::newRow("two classes, wrong guess") << Floats { 0, float(std::log(3.0)) } << 0.0f
                                              << std::log(4.0) << Floats { -0.75f, 0.75f };
}

void TstCpuBackend::softmaxCrossEntropy()
{
    QFETCH(Floats, logits);
    QFETCH(float, label);
    QFETCH(double, expectedLoss);
    QFETCH(Floats, expectedGrad);
    const auto classes = int64_t(logits.size());
    const Tensor z = Tensor::fromHost(m_cpu, { 1, classes }, logits);
    const Tensor y = Tensor::fromHost(m_cpu, { 1 }, Floats { label });
    Tensor dz(m_cpu, { 1, classes });
    const float loss = m_cpu.softmaxCrossEntropy(z, y, &dz);
    QVERIFY2(ts::test::fuzzyEqual(loss, expectedLoss, 1e-6),
             qPrintable(QString("loss %1 != %2").arg(loss).arg(expectedLoss)));
    TS_COMPARE_FLOATS(dz.toHost(), expectedGrad, 1e-5, 1e-6);
}

void TstCpuBackend::countCorrect()
{
    const Tensor z = Tensor::fromHost(m_cpu, { 3, 2 }, Floats { 0, 1, 5, -5, 2, 3 });
    const Tensor y = Tensor::fromHost(m_cpu, { 3 }, Floats { 1, 1, 1 });
    QCOMPARE(m_cpu.countCorrect(z, y), int64_t(2));
}

void TstCpuBackend::sgdMomentumMatchesPyTorchRule()
{
    // w=1, g=0.5, wd=0.1: g'=0.6; step 1: v=0.6, w=1-0.1*0.6=0.94;
    // step 2: g'=0.5+0.094=0.594, v=0.9*0.6+0.594=1.134, w=0.94-0.1134=0.8266
    Tensor w = Tensor::fromHost(m_cpu, { 1 }, Floats { 1 });
    const Tensor g = Tensor::fromHost(m_cpu, { 1 }, Floats { 0.5f });
    Tensor v = Tensor::zeros(m_cpu, { 1 });
    m_cpu.sgdMomentumStep(w, g, v, 0.1f, 0.9f, 0.1f, false);
    TS_COMPARE_FLOATS(w.toHost(), Floats { 0.94f }, 1e-6, 0);
    m_cpu.sgdMomentumStep(w, g, v, 0.1f, 0.9f, 0.1f, false);
    TS_COMPARE_FLOATS(v.toHost(), Floats { 1.134f }, 1e-6, 0);
    TS_COMPARE_FLOATS(w.toHost(), Floats { 0.8266f }, 1e-6, 0);
}

void TstCpuBackend::nameSaysLibraryAndThreads()
{
    const QString name = QString::fromStdString(CpuBackend(2).name());
    QVERIFY2(name.startsWith("CPU (OpenBLAS "), qPrintable(name));
    QVERIFY2(name.endsWith(", 2 threads)"), qPrintable(name));
}

QTEST_APPLESS_MAIN(TstCpuBackend)
#include "tst_cpu_backend.moc"
