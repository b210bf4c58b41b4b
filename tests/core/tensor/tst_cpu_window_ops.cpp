// The CPU window ops (im2col, col2im, pooling) and batch norm against values worked out by hand:
// these tables are the contract of backend.h, and the CUDA backend is compared with them.
#include "common/fuzzy_compare.h"
#include "tensor/cpu/cpu_backend.h"
#include "tensor/tensor.h"

#include <QtTest/QTest>

#include <cmath>
#include <random>

using namespace ts;
using tensor::Tensor;
using tensor::WindowGeometry;
using Floats = std::vector<float>;

namespace {

// An NHWC geometry with square kernels, strides, padding and dilation.
WindowGeometry geometry(int n, int h, int w, int c, int kernel, int stride = 1, int pad = 0,
                        int dilation = 1)
{
    WindowGeometry g;
    g.batch = n, g.height = h, g.width = w, g.channels = c;
    g.kernelH = g.kernelW = kernel;
    g.strideH = g.strideW = stride;
    g.padH = g.padW = pad;
    g.dilationH = g.dilationW = dilation;
    return g;
}

Floats toFloats(const QList<float>& list)
{
    return Floats(list.begin(), list.end());
}

Floats randomFloats(size_t n, uint64_t seed)
{
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<float> d(-1, 1);
    Floats v(n);
    for (float& x : v)
        x = d(g);
    return v;
}

double dot(const Floats& a, const Floats& b)
{
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i)
        s += double(a[i]) * double(b[i]);
    return s;
}

} // namespace

class TstCpuWindowOps : public QObject
{
    Q_OBJECT

private slots:
    void im2col_data();
    void im2col();
    void col2im_data();
    void col2im();
    void col2imIsTheAdjointOfIm2col_data();
    void col2imIsTheAdjointOfIm2col();
    void pooling_data();
    void pooling();
    void maxPoolBackward_data();
    void maxPoolBackward();
    void avgPoolBackward_data();
    void avgPoolBackward();
    void batchNormTraining();
    void batchNormInference();
    void batchNormBackwardMatchesFiniteDifferences();

private:
    void addGeometryColumns();
    WindowGeometry fetchGeometry();

    tensor::CpuBackend m_cpu { 1 };
};

void TstCpuWindowOps::addGeometryColumns()
{
    QTest::addColumn<QList<int>>("shape");  // n, h, w, c
    QTest::addColumn<QList<int>>("window"); // kernel, stride, pad, dilation
}

WindowGeometry TstCpuWindowOps::fetchGeometry()
{
    QFETCH(QList<int>, shape);
    QFETCH(QList<int>, window);
    return geometry(shape[0], shape[1], shape[2], shape[3], window[0], window[1], window[2],
                    window[3]);
}

void TstCpuWindowOps::im2col_data()
{
    addGeometryColumns();
    QTest::addColumn<QList<float>>("image");
    QTest::addColumn<QList<float>>("columns");
    const QList<float> nine { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    QTest::newRow("3x3 image, 2x2 kernel: four overlapping patches")
            << QList<int> { 1, 3, 3, 1 } << QList<int> { 2, 1, 0, 1 } << nine
            << QList<float> { 1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9 };
    QTest::newRow("3x3 kernel, padding 1, stride 2: the border reads as zeros")
            << QList<int> { 1, 3, 3, 1 } << QList<int> { 3, 2, 1, 1 } << nine
            << QList<float> { 0, 0, 0, 0, 1, 2, 0, 4, 5, 0, 0, 0, 2, 3, 0, 5, 6, 0,
                              0, 4, 5, 0, 7, 8, 0, 0, 0, 5, 6, 0, 8, 9, 0, 0, 0, 0 };
    QTest::newRow("2x2 kernel, dilation 2: the four corners")
            << QList<int> { 1, 3, 3, 1 } << QList<int> { 2, 1, 0, 2 } << nine
            << QList<float> { 1, 3, 7, 9 };
    QTest::newRow("2 channels: each position copies its channels, order (kh, kw, c)")
            << QList<int> { 1, 2, 3, 2 } << QList<int> { 2, 1, 0, 1 }
            << QList<float> { 1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60 }
            << QList<float> { 1, 10, 2, 20, 4, 40, 5, 50, 2, 20, 3, 30, 5, 50, 6, 60 };
    QTest::newRow("batch of 2: one row per output pixel of each image, image by image")
            << QList<int> { 2, 1, 2, 1 } << QList<int> { 1, 1, 0, 1 } << QList<float> { 1, 2, 3, 4 }
            << QList<float> { 1, 2, 3, 4 };
}

void TstCpuWindowOps::im2col()
{
    const WindowGeometry g = fetchGeometry();
    QFETCH(QList<float>, image);
    QFETCH(QList<float>, columns);
    const Tensor x =
            Tensor::fromHost(m_cpu, { g.batch, g.height, g.width, g.channels }, toFloats(image));
    Tensor cols(m_cpu, { g.patchCount(), g.patchSize() });
    m_cpu.fill(cols.data(), 99.0f, size_t(cols.size())); // every entry must be written
    m_cpu.im2col(x, g, cols);
    TS_COMPARE_FLOATS(cols.toHost(), toFloats(columns), 0, 0);
}

void TstCpuWindowOps::col2im_data()
{
    addGeometryColumns();
    QTest::addColumn<QList<float>>("columns");
    QTest::addColumn<QList<float>>("image");
    QTest::newRow("2x2 kernel over 3x3, ones: each pixel counts the patches covering it")
            << QList<int> { 1, 3, 3, 1 } << QList<int> { 2, 1, 0, 1 } << QList<float>(16, 1.0f)
            << QList<float> { 1, 2, 1, 2, 4, 2, 1, 2, 1 };
    QTest::newRow("2x2 kernel, stride 2: disjoint patches go back where they came from")
            << QList<int> { 1, 4, 4, 1 } << QList<int> { 2, 2, 0, 1 }
            << QList<float> { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 }
            << QList<float> { 1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16 };
    QTest::newRow("3x3 kernel, padding 1 on a 1x1 image: padding entries are dropped")
            << QList<int> { 1, 1, 1, 1 } << QList<int> { 3, 1, 1, 1 }
            << QList<float> { 1, 2, 3, 4, 5, 6, 7, 8, 9 } << QList<float> { 5 };
    QTest::newRow("2x2 kernel over 2x3, 2 channels: overlaps add per channel")
            << QList<int> { 1, 2, 3, 2 } << QList<int> { 2, 1, 0, 1 }
            << QList<float> { 1, 10, 1, 10, 1, 10, 1, 10, 2, 20, 2, 20, 2, 20, 2, 20 }
            << QList<float> { 1, 10, 3, 30, 2, 20, 1, 10, 3, 30, 2, 20 };
}

void TstCpuWindowOps::col2im()
{
    const WindowGeometry g = fetchGeometry();
    QFETCH(QList<float>, columns);
    QFETCH(QList<float>, image);
    const Tensor cols =
            Tensor::fromHost(m_cpu, { g.patchCount(), g.patchSize() }, toFloats(columns));
    Tensor x(m_cpu, { g.batch, g.height, g.width, g.channels });
    m_cpu.fill(x.data(), 99.0f, size_t(x.size())); // col2im starts from zero
    m_cpu.col2im(cols, g, x);
    TS_COMPARE_FLOATS(x.toHost(), toFloats(image), 0, 0);
}

void TstCpuWindowOps::col2imIsTheAdjointOfIm2col_data()
{
    addGeometryColumns();
    QTest::newRow("3x3 kernel, same padding")
            << QList<int> { 2, 5, 6, 3 } << QList<int> { 3, 1, 1, 1 };
    QTest::newRow("5x5 kernel, stride 2, padding 2")
            << QList<int> { 2, 7, 7, 4 } << QList<int> { 5, 2, 2, 1 };
    QTest::newRow("3x3 kernel, dilation 2, padding 1")
            << QList<int> { 1, 7, 6, 2 } << QList<int> { 3, 1, 1, 2 };
    QTest::newRow("1x1 kernel, stride 3") << QList<int> { 3, 7, 7, 5 } << QList<int> { 1, 3, 0, 1 };
    QTest::newRow("padding wider than the image")
            << QList<int> { 1, 2, 2, 3 } << QList<int> { 3, 1, 3, 1 };
}

// <im2col(x), c> == <x, col2im(c)> for every x and c: col2im adds every patch entry back to the
// pixel it was read from, exactly once.
void TstCpuWindowOps::col2imIsTheAdjointOfIm2col()
{
    const WindowGeometry g = fetchGeometry();
    const int64_t pixels = g.batch * g.height * g.width * g.channels;
    const Floats xs = randomFloats(size_t(pixels), 1);
    const Floats cs = randomFloats(size_t(g.patchCount() * g.patchSize()), 2);
    const Tensor x = Tensor::fromHost(m_cpu, { g.batch, g.height, g.width, g.channels }, xs);
    const Tensor c = Tensor::fromHost(m_cpu, { g.patchCount(), g.patchSize() }, cs);
    Tensor columns(m_cpu, { g.patchCount(), g.patchSize() });
    Tensor image(m_cpu, { g.batch, g.height, g.width, g.channels });
    m_cpu.im2col(x, g, columns);
    m_cpu.col2im(c, g, image);
    QVERIFY(test::fuzzyEqual(dot(columns.toHost(), cs), dot(xs, image.toHost()), 1e-5, 1e-5));
}

void TstCpuWindowOps::pooling_data()
{
    addGeometryColumns();
    QTest::addColumn<QList<float>>("image");
    QTest::addColumn<QList<float>>("maxima");
    QTest::addColumn<QList<float>>("means");
    const QList<float> grid { 1, 5, 2, 0, 3, 4, 8, 6, 7, 0, 1, 2, 9, 9, 3, 3 };
    const QList<float> negatives { -1, -2, -3, -4, -5, -6, -7, -8, -9 };
    QTest::newRow("4x4, 2x2 windows, stride 2")
            << QList<int> { 1, 4, 4, 1 } << QList<int> { 2, 2, 0, 1 } << grid
            << QList<float> { 5, 8, 9, 3 } << QList<float> { 3.25f, 4, 6.25f, 2.25f };
    QTest::newRow("padding 1: never the max, but zeros in the mean (count_include_pad)")
            << QList<int> { 1, 3, 3, 1 } << QList<int> { 2, 2, 1, 1 } << negatives
            << QList<float> { -1, -2, -4, -5 } << QList<float> { -0.25f, -1.25f, -2.75f, -7 };
    QTest::newRow("2 channels pool independently")
            << QList<int> { 1, 2, 2, 2 } << QList<int> { 2, 1, 0, 1 }
            << QList<float> { 1, 8, 4, 5, 2, 6, 3, 7 } << QList<float> { 4, 8 }
            << QList<float> { 2.5f, 6.5f };
    QTest::newRow("3x3 windows, stride 1: overlapping")
            << QList<int> { 1, 3, 4, 1 } << QList<int> { 3, 1, 0, 1 }
            << QList<float> { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 } << QList<float> { 11, 12 }
            << QList<float> { 6, 7 };
}

void TstCpuWindowOps::pooling()
{
    const WindowGeometry g = fetchGeometry();
    QFETCH(QList<float>, image);
    QFETCH(QList<float>, maxima);
    QFETCH(QList<float>, means);
    const Tensor x =
            Tensor::fromHost(m_cpu, { g.batch, g.height, g.width, g.channels }, toFloats(image));
    Tensor y(m_cpu, { g.batch, g.outHeight(), g.outWidth(), g.channels });
    m_cpu.maxPoolForward(x, g, y);
    TS_COMPARE_FLOATS(y.toHost(), toFloats(maxima), 0, 0);
    m_cpu.avgPoolForward(x, g, y);
    TS_COMPARE_FLOATS(y.toHost(), toFloats(means), 1e-6, 1e-6);
}

void TstCpuWindowOps::maxPoolBackward_data()
{
    addGeometryColumns();
    QTest::addColumn<QList<float>>("image");
    QTest::addColumn<QList<float>>("outputGrad");
    QTest::addColumn<QList<float>>("inputGrad");
    QTest::newRow("all equal: the first position of the window takes it")
            << QList<int> { 1, 2, 2, 1 } << QList<int> { 2, 1, 0, 1 } << QList<float> { 7, 7, 7, 7 }
            << QList<float> { 3 } << QList<float> { 3, 0, 0, 0 };
    QTest::newRow("a tie: the first in (kh, kw) order, not the last")
            << QList<int> { 1, 2, 2, 1 } << QList<int> { 2, 1, 0, 1 } << QList<float> { 1, 3, 3, 2 }
            << QList<float> { 3 } << QList<float> { 0, 3, 0, 0 };
    QTest::newRow("overlapping windows sharing a maximum add up")
            << QList<int> { 1, 3, 3, 1 } << QList<int> { 2, 1, 0, 1 }
            << QList<float> { 1, 2, 3, 4, 9, 5, 6, 7, 8 } << QList<float> { 1, 2, 3, 4 }
            << QList<float> { 0, 0, 0, 0, 10, 0, 0, 0, 0 };
    QTest::newRow("padding 1 over negatives: the real pixels take it")
            << QList<int> { 1, 3, 3, 1 } << QList<int> { 2, 2, 1, 1 }
            << QList<float> { -1, -2, -3, -4, -5, -6, -7, -8, -9 } << QList<float> { 1, 2, 3, 4 }
            << QList<float> { 1, 2, 0, 3, 4, 0, 0, 0, 0 };
    QTest::newRow("2 channels route independently: to pixel 1 and to pixel 0")
            << QList<int> { 1, 2, 2, 2 } << QList<int> { 2, 1, 0, 1 }
            << QList<float> { 1, 8, 4, 5, 2, 6, 3, 7 } << QList<float> { 1, 2 }
            << QList<float> { 0, 2, 1, 0, 0, 0, 0, 0 };
}

void TstCpuWindowOps::maxPoolBackward()
{
    const WindowGeometry g = fetchGeometry();
    QFETCH(QList<float>, image);
    QFETCH(QList<float>, outputGrad);
    QFETCH(QList<float>, inputGrad);
    const Tensor x =
            Tensor::fromHost(m_cpu, { g.batch, g.height, g.width, g.channels }, toFloats(image));
    Tensor y(m_cpu, { g.batch, g.outHeight(), g.outWidth(), g.channels });
    m_cpu.maxPoolForward(x, g, y);
    const Tensor dy = Tensor::fromHost(m_cpu, y.shape(), toFloats(outputGrad));
    Tensor dx(m_cpu, x.shape());
    m_cpu.fill(dx.data(), 99.0f, size_t(dx.size()));
    m_cpu.maxPoolBackward(x, y, dy, g, dx);
    TS_COMPARE_FLOATS(dx.toHost(), toFloats(inputGrad), 0, 0);
}

void TstCpuWindowOps::avgPoolBackward_data()
{
    addGeometryColumns();
    QTest::addColumn<QList<float>>("outputGrad");
    QTest::addColumn<QList<float>>("inputGrad");
    QTest::newRow("2x2 windows, stride 1: a quarter per covering window")
            << QList<int> { 1, 3, 3, 1 } << QList<int> { 2, 1, 0, 1 } << QList<float>(4, 1.0f)
            << QList<float> { 0.25f, 0.5f, 0.25f, 0.5f, 1, 0.5f, 0.25f, 0.5f, 0.25f };
    QTest::newRow("padding 1: padded positions take their quarter away")
            << QList<int> { 1, 3, 3, 1 } << QList<int> { 2, 2, 1, 1 } << QList<float> { 1, 2, 3, 4 }
            << QList<float> { 0.25f, 0.5f, 0.5f, 0.75f, 1, 1, 0.75f, 1, 1 };
}

void TstCpuWindowOps::avgPoolBackward()
{
    const WindowGeometry g = fetchGeometry();
    QFETCH(QList<float>, outputGrad);
    QFETCH(QList<float>, inputGrad);
    const Tensor dy = Tensor::fromHost(m_cpu, { g.batch, g.outHeight(), g.outWidth(), g.channels },
                                       toFloats(outputGrad));
    Tensor dx(m_cpu, { g.batch, g.height, g.width, g.channels });
    m_cpu.fill(dx.data(), 99.0f, size_t(dx.size()));
    m_cpu.avgPoolBackward(dy, g, dx);
    TS_COMPARE_FLOATS(dx.toHost(), toFloats(inputGrad), 1e-6, 1e-6);
}

void TstCpuWindowOps::batchNormTraining()
{
    // Channel 0: 1..4, mean 2.5, biased var 1.25, unbiased 5/3. Channel 1 is channel 0 times 10
    // plus 0, so both normalise to the same xhat = (-1.5, -0.5, 0.5, 1.5) / sqrt(1.25).
    const Tensor x = Tensor::fromHost(m_cpu, { 4, 2 }, Floats { 1, 10, 2, 20, 3, 30, 4, 40 });
    const Tensor gamma = Tensor::fromHost(m_cpu, { 2 }, Floats { 1, 2 });
    const Tensor beta = Tensor::fromHost(m_cpu, { 2 }, Floats { 0, 1 });
    Tensor runningMean = Tensor::fromHost(m_cpu, { 2 }, Floats { 0, 0 });
    Tensor runningVar = Tensor::fromHost(m_cpu, { 2 }, Floats { 1, 1 });
    Tensor savedMean(m_cpu, { 2 }), savedInvStd(m_cpu, { 2 }), y(m_cpu, { 4, 2 });
    m_cpu.batchNormForward(x, gamma, beta, runningMean, runningVar, true, {}, savedMean,
                           savedInvStd, y);
    const float a = 1.5f / std::sqrt(1.25f), b = 0.5f / std::sqrt(1.25f);
    TS_COMPARE_FLOATS(y.toHost(),
                      (Floats { -a, 1 - 2 * a, -b, 1 - 2 * b, b, 1 + 2 * b, a, 1 + 2 * a }), 1e-4,
                      1e-5);
    TS_COMPARE_FLOATS(savedMean.toHost(), (Floats { 2.5f, 25 }), 1e-6, 0);
    TS_COMPARE_FLOATS(savedInvStd.toHost(),
                      (Floats { 1 / std::sqrt(1.25f + 1e-5f), 1 / std::sqrt(125 + 1e-5f) }), 1e-6,
                      0);
    // momentum 0.1: 0.9 * old + 0.1 * batch, with the unbiased variance
    TS_COMPARE_FLOATS(runningMean.toHost(), (Floats { 0.25f, 2.5f }), 1e-6, 0);
    TS_COMPARE_FLOATS(runningVar.toHost(),
                      (Floats { 0.9f + 0.1f * 5 / 3.0f, 0.9f + 0.1f * 500 / 3.0f }), 1e-5, 0);
}

void TstCpuWindowOps::batchNormInference()
{
    // y = gamma (x - runningMean) / sqrt(runningVar + eps) + beta; nothing else changes.
    const Tensor x = Tensor::fromHost(m_cpu, { 2, 2 }, Floats { 3, 0, 1, -0.5f });
    const Tensor gamma = Tensor::fromHost(m_cpu, { 2 }, Floats { 2, 1 });
    const Tensor beta = Tensor::fromHost(m_cpu, { 2 }, Floats { 0.5f, 0 });
    Tensor runningMean = Tensor::fromHost(m_cpu, { 2 }, Floats { 1, -1 });
    Tensor runningVar = Tensor::fromHost(m_cpu, { 2 }, Floats { 4, 0.25f });
    Tensor savedMean = Tensor::fromHost(m_cpu, { 2 }, Floats { 42, 42 });
    Tensor savedInvStd = Tensor::fromHost(m_cpu, { 2 }, Floats { 42, 42 });
    Tensor y(m_cpu, { 2, 2 });
    m_cpu.batchNormForward(x, gamma, beta, runningMean, runningVar, false, { 0.1f, 0 }, savedMean,
                           savedInvStd, y);
    TS_COMPARE_FLOATS(y.toHost(), (Floats { 2.5f, 2, 0.5f, 1 }), 1e-6, 1e-6);
    TS_COMPARE_FLOATS(runningMean.toHost(), (Floats { 1, -1 }), 0, 0);
    TS_COMPARE_FLOATS(runningVar.toHost(), (Floats { 4, 0.25f }), 0, 0);
    TS_COMPARE_FLOATS(savedMean.toHost(), (Floats { 42, 42 }), 0, 0);
    TS_COMPARE_FLOATS(savedInvStd.toHost(), (Floats { 42, 42 }), 0, 0);
}

void TstCpuWindowOps::batchNormBackwardMatchesFiniteDifferences()
{
    const int64_t rows = 6, cols = 3;
    Tensor x = Tensor::fromHost(m_cpu, { rows, cols }, randomFloats(rows * cols, 3));
    Tensor gamma = Tensor::fromHost(m_cpu, { cols }, Floats { 0.5f, 1.5f, -1 });
    Tensor beta = Tensor::fromHost(m_cpu, { cols }, Floats { 0.1f, -0.2f, 0.3f });
    Tensor runningMean = Tensor::zeros(m_cpu, { cols }),
           runningVar = Tensor::zeros(m_cpu, { cols });
    Tensor savedMean(m_cpu, { cols }), savedInvStd(m_cpu, { cols }), y(m_cpu, { rows, cols });
    const Floats r = randomFloats(rows * cols, 4);
    auto loss = [&] {
        m_cpu.batchNormForward(x, gamma, beta, runningMean, runningVar, true, {}, savedMean,
                               savedInvStd, y);
        return dot(y.toHost(), r);
    };
    auto numeric = [&](Tensor& t) {
        Floats v = t.toHost(), grad(v.size());
        const float eps = 1e-3f;
        for (size_t i = 0; i < v.size(); ++i) {
            const float saved = v[i];
            v[i] = saved + eps, t.upload(v);
            const double plus = loss();
            v[i] = saved - eps, t.upload(v);
            const double minus = loss();
            v[i] = saved, t.upload(v);
            grad[i] = float((plus - minus) / (2.0 * eps));
        }
        return grad;
    };
    loss();
    Tensor dx(m_cpu, { rows, cols }), dgamma(m_cpu, { cols }), dbeta(m_cpu, { cols });
    const Tensor dy = Tensor::fromHost(m_cpu, { rows, cols }, r);
    m_cpu.batchNormBackward(x, dy, gamma, savedMean, savedInvStd, dx, dgamma, dbeta);
    QVERIFY(test::nmse(dx.toHost(), numeric(x)) < 1e-5);
    QVERIFY(test::nmse(dgamma.toHost(), numeric(gamma)) < 1e-5);
    QVERIFY(test::nmse(dbeta.toHost(), numeric(beta)) < 1e-5);
}

QTEST_APPLESS_MAIN(TstCpuWindowOps)
#include "tst_cpu_window_ops.moc"
