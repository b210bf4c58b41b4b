// The ops of convolutional networks, element-wise ops, dropout, MSE and Adam on every backend
// against the CPU backend (the rest of the interface is in tst_backend_ops.cpp).
//
// Rows compare the CUDA backend with the CPU on the same random inputs. Ops whose CUDA kernels
// evaluate the CPU's float expressions in the CPU's order (element-wise ops, dropout masks,
// optimizer steps, im2col, and col2im and pooling, whose gathers add in the CPU's scatter order;
// no FMA in those kernels) must agree bit for bit; reductions summed in another order (batch norm,
// the sum of squares, the MSE loss) within a few roundings.
#include "backend_ops_fixture.h"
#include "common/fuzzy_compare.h"
#include "tensor/tensor.h"

#include <QtTest/QTest>

#include <cmath>
#include <vector>

using ts::tensor::AdamOptions;
using ts::tensor::Backend;
using ts::tensor::BatchNormOptions;
using ts::tensor::Tensor;
using ts::tensor::WindowGeometry;
using namespace ts::test; // randomValues, on, concat, Values: the fixture's helpers

Q_DECLARE_METATYPE(WindowGeometry)

namespace {

// batch x height x width x channels images; kernel, stride, pad and dilation as (H, W) pairs.
WindowGeometry geometry(int64_t batch, int64_t height, int64_t width, int64_t channels,
                        std::pair<int64_t, int64_t> kernel, std::pair<int64_t, int64_t> stride,
                        std::pair<int64_t, int64_t> pad = { 0, 0 },
                        std::pair<int64_t, int64_t> dilation = { 1, 1 })
{
    WindowGeometry g;
    g.batch = batch, g.height = height, g.width = width, g.channels = channels;
    g.kernelH = kernel.first, g.kernelW = kernel.second;
    g.strideH = stride.first, g.strideW = stride.second;
    g.padH = pad.first, g.padW = pad.second;
    g.dilationH = dilation.first, g.dilationW = dilation.second;
    return g;
}

int64_t imageSize(const WindowGeometry& g)
{
    return g.batch * g.height * g.width * g.channels;
}

double dot(const Values& a, const Values& b)
{
    double sum = 0;
    for (size_t i = 0; i < a.size(); ++i)
        sum += double(a[i]) * double(b[i]);
    return sum;
}

// Every backend's result against the CPU's (results[0]).
#define TS_COMPARE_WITH_CPU(results, relTol, absTol)                                               \
    for (size_t b_ = 1; b_ < (results).size(); ++b_)                                               \
    TS_COMPARE_FLOATS((results)[b_], (results)[0], relTol, absTol)

} // namespace

class TstBackendOpsCnn : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { m_backends.open(); }

    void elementwise_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<qint64>("count");
        QTest::newRow("element-wise on one value") << qint64(1);
        QTest::newRow("element-wise on 1000 values") << qint64(1000);
        QTest::newRow("element-wise over more than one grid") << qint64(4096 * 256 * 2 + 5);
    }

    // axpy, multiply in place (out is a), scale, and the sum of squares of the result.
    void elementwise()
    {
        QFETCH(qint64, count);
        const Values x = randomValues(count, -1, 1, 21);
        const Values y = randomValues(count, -1, 1, 22);
        std::vector<double> sums;
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            const Tensor in = on(b, { count }, x);
            Tensor out = on(b, { count }, y);
            b.axpy(-0.37f, in, out);
            b.multiply(out, in, out);
            b.scale(out, 1.7f);
            sums.push_back(b.sumOfSquares(out));
            return out.toHost();
        });
        TS_COMPARE_WITH_CPU(results, 0.0, 0.0);
        for (size_t i = 1; i < sums.size(); ++i)
            QVERIFY2(fuzzyEqual(sums[i], sums[0], 1e-12, 0.0),
                     qPrintable(QString("sum of squares %1 != CPU %2").arg(sums[i]).arg(sums[0])));
    }

    void dropout_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<qint64>("count");
        QTest::addColumn<float>("p");
        QTest::addColumn<qulonglong>("seed");
        QTest::newRow("dropout p 0.5") << qint64(1000) << 0.5f << qulonglong(1);
        QTest::newRow("dropout p 0.1, another seed") << qint64(4097) << 0.1f << qulonglong(42);
        QTest::newRow("dropout p 0 keeps everything") << qint64(100) << 0.0f << qulonglong(7);
        QTest::newRow("dropout p 0.9 over more than one grid, 64-bit seed")
                << qint64(4096 * 256 * 3 + 1) << 0.9f << qulonglong(0xDEADBEEFCAFEF00Dull);
    }

    // The masks must be bit-identical: a resumed or mixed-device run redraws the same ones.
    void dropout()
    {
        QFETCH(qint64, count);
        QFETCH(float, p);
        QFETCH(qulonglong, seed);
        const Values x = randomValues(count, -1, 1, 23);
        const Values dy = randomValues(count, -1, 1, 24);
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            const Tensor in = on(b, { count }, x);
            Tensor mask(b, { count });
            Tensor y(b, { count });
            b.dropoutForward(in, p, seed, mask, y);
            Tensor dx = on(b, { count }, dy);
            b.multiply(dx, mask, dx); // the backward pass
            return concat(concat(mask.toHost(), y.toHost()), dx.toHost());
        });
        TS_COMPARE_WITH_CPU(results, 0.0, 0.0);
    }

    void meanSquaredError_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<qint64>("count");
        QTest::addColumn<bool>("withGradient");
        QTest::newRow("MSE of 3 values with gradient") << qint64(3) << true;
        QTest::newRow("MSE of 1000 values with gradient") << qint64(1000) << true;
        QTest::newRow("MSE loss only, more than one grid") << qint64(4096 * 256 + 9) << false;
    }

    void meanSquaredError()
    {
        QFETCH(qint64, count);
        QFETCH(bool, withGradient);
        const Values pred = randomValues(count, -2, 2, 25);
        const Values target = randomValues(count, -2, 2, 26);
        std::vector<float> losses;
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            Tensor grad(b, { count });
            losses.push_back(b.meanSquaredError(on(b, { count }, pred), on(b, { count }, target),
                                                withGradient ? &grad : nullptr));
            return withGradient ? grad.toHost() : Values();
        });
        TS_COMPARE_WITH_CPU(results, 0.0, 0.0);
        for (size_t i = 1; i < losses.size(); ++i)
            QVERIFY2(fuzzyEqual(losses[i], losses[0], 1e-6, 0.0),
                     qPrintable(QString("loss %1 != CPU %2").arg(losses[i]).arg(losses[0])));
    }

    void windowOps_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<WindowGeometry>("g");
        QTest::newRow("3x3 kernel, stride 1, pad 1")
                << geometry(2, 8, 8, 3, { 3, 3 }, { 1, 1 }, { 1, 1 });
        QTest::newRow("3x3 kernel, stride 2, no pad") << geometry(2, 9, 9, 4, { 3, 3 }, { 2, 2 });
        QTest::newRow("3x3 kernel, dilation 2, pad 2")
                << geometry(1, 10, 10, 2, { 3, 3 }, { 1, 1 }, { 2, 2 }, { 2, 2 });
        QTest::newRow("1x1 kernel, stride 2") << geometry(2, 5, 5, 8, { 1, 1 }, { 2, 2 });
        QTest::newRow("5x3 kernel, strides 2x1, pads 2x0, dilations 1x2")
                << geometry(3, 7, 9, 5, { 5, 3 }, { 2, 1 }, { 2, 0 }, { 1, 2 });
        QTest::newRow("5x5 kernel over a 3x3 image, pad 2")
                << geometry(1, 3, 3, 6, { 5, 5 }, { 1, 1 }, { 2, 2 });
    }

    // im2col is a copy (exact); col2im adds the patches back up; and on every backend the two
    // are adjoint: <im2col(x), c> == <x, col2im(c)>.
    void windowOps()
    {
        QFETCH(WindowGeometry, g);
        const Values images = randomValues(imageSize(g), -1, 1, 27);
        const Values columns = randomValues(g.patchCount() * g.patchSize(), -1, 1, 28);
        std::vector<Values> patches;
        std::vector<std::pair<double, double>> adjoint; // <im2col(x), c> and <x, col2im(c)>
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            Tensor cols(b, { g.patchCount(), g.patchSize() });
            b.im2col(on(b, { g.batch, g.height, g.width, g.channels }, images), g, cols);
            patches.push_back(cols.toHost());
            Tensor back(b, { g.batch, g.height, g.width, g.channels });
            b.col2im(on(b, { g.patchCount(), g.patchSize() }, columns), g, back);
            const Values summed = back.toHost();
            adjoint.emplace_back(dot(patches.back(), columns), dot(images, summed));
            return summed;
        });
        for (const auto& [lhs, rhs] : adjoint)
            QVERIFY2(fuzzyEqual(lhs, rhs, 1e-5, 1e-6),
                     qPrintable(QString("not adjoint: %1 vs %2").arg(lhs).arg(rhs)));
        TS_COMPARE_WITH_CPU(patches, 0.0, 0.0);
        TS_COMPARE_WITH_CPU(results, 0.0, 0.0);
    }

    void pooling_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<WindowGeometry>("g");
        QTest::addColumn<bool>("max");
        QTest::addColumn<bool>("ties"); // integer inputs in [0, 3): most windows tie
        QTest::newRow("max 2x2, stride 2")
                << geometry(2, 8, 8, 3, { 2, 2 }, { 2, 2 }) << true << false;
        QTest::newRow("max 3x3, stride 2, pad 1: overlapping windows")
                << geometry(2, 9, 9, 4, { 3, 3 }, { 2, 2 }, { 1, 1 }) << true << false;
        QTest::newRow("max 3x3, dilation 2, pad 2")
                << geometry(1, 10, 10, 2, { 3, 3 }, { 1, 1 }, { 2, 2 }, { 2, 2 }) << true << false;
        QTest::newRow("max ties go to the first position in (kh, kw) order")
                << geometry(2, 6, 6, 3, { 3, 3 }, { 1, 1 }, { 1, 1 }) << true << true;
        QTest::newRow("avg 2x2, stride 2")
                << geometry(2, 8, 8, 3, { 2, 2 }, { 2, 2 }) << false << false;
        QTest::newRow("avg 3x3, stride 1, pad 1: padding counts as zeros")
                << geometry(2, 7, 7, 5, { 3, 3 }, { 1, 1 }, { 1, 1 }) << false << false;
        QTest::newRow("avg 3x2, strides 2x1, dilation 2")
                << geometry(1, 9, 8, 2, { 3, 2 }, { 2, 1 }, { 0, 1 }, { 2, 2 }) << false << false;
    }

    void pooling()
    {
        QFETCH(WindowGeometry, g);
        QFETCH(bool, max);
        QFETCH(bool, ties);
        Values x = randomValues(imageSize(g), ties ? 0.0f : -1.0f, ties ? 2.99f : 1.0f, 29);
        for (float& v : x)
            v = ties ? std::floor(v) : v;
        const int64_t pooled = g.patchCount() * g.channels;
        const Values dy = randomValues(pooled, -1, 1, 30);
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            const Tensor in = on(b, { g.batch, g.height, g.width, g.channels }, x);
            Tensor y(b, { pooled });
            Tensor dx(b, { g.batch, g.height, g.width, g.channels });
            if (max) {
                b.maxPoolForward(in, g, y);
                b.maxPoolBackward(in, y, on(b, { pooled }, dy), g, dx);
            } else {
                b.avgPoolForward(in, g, y);
                b.avgPoolBackward(on(b, { pooled }, dy), g, dx);
            }
            return concat(y.toHost(), dx.toHost());
        });
        TS_COMPARE_WITH_CPU(results, 0.0, 0.0);
    }

    void batchNorm_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<int>("rows"); // samples x pixels
        QTest::addColumn<int>("channels");
        QTest::addColumn<float>("offset"); // added to every input: a large mean
        QTest::addColumn<bool>("training");
        QTest::newRow("training, 4 images of 8x8, 16 channels") << 256 << 16 << 0.0f << true;
        QTest::newRow("training, 70 channels: a partial channel tile") << 130 << 70 << 0.5f << true;
        QTest::newRow("training, 20000 rows in many chunks, mean 100")
                << 20000 << 3 << 100.0f << true;
        QTest::newRow("training, one row keeps the biased variance") << 1 << 5 << 0.0f << true;
        QTest::newRow("inference with the running statistics") << 256 << 16 << 0.0f << false;
    }

    // Forward (y, saved and running statistics), then in training the backward pass.
    void batchNorm()
    {
        QFETCH(int, rows);
        QFETCH(int, channels);
        QFETCH(float, offset);
        QFETCH(bool, training);
        Values x = randomValues(int64_t(rows) * channels, -2, 2, 31);
        for (float& v : x)
            v += offset;
        const Values dy = randomValues(int64_t(rows) * channels, -1, 1, 32);
        const Values gamma = randomValues(channels, 0.5f, 1.5f, 33);
        const Values beta = randomValues(channels, -0.5f, 0.5f, 34);
        const Values runMean = randomValues(channels, -0.2f, 0.2f, 35);
        const Values runVar = randomValues(channels, 0.5f, 2.0f, 36);
        const BatchNormOptions options { 0.1f, 1e-5f };
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            const Tensor in = on(b, { rows, channels }, x);
            const Tensor scale = on(b, { channels }, gamma);
            Tensor runningMean = on(b, { channels }, runMean);
            Tensor runningVar = on(b, { channels }, runVar);
            Tensor savedMean = Tensor::zeros(b, { channels });
            Tensor savedInvStd = Tensor::zeros(b, { channels });
            Tensor y(b, { rows, channels });
            b.batchNormForward(in, scale, on(b, { channels }, beta), runningMean, runningVar,
                               training, options, savedMean, savedInvStd, y);
            Values out = concat(concat(y.toHost(), savedMean.toHost()), savedInvStd.toHost());
            out = concat(concat(out, runningMean.toHost()), runningVar.toHost());
            if (!training)
                return out;
            Tensor dx(b, { rows, channels });
            Tensor dgamma(b, { channels });
            Tensor dbeta(b, { channels });
            b.batchNormBackward(in, on(b, { rows, channels }, dy), scale, savedMean, savedInvStd,
                                dx, dgamma, dbeta);
            return concat(concat(concat(out, dx.toHost()), dgamma.toHost()), dbeta.toHost());
        });
        TS_COMPARE_WITH_CPU(results, 1e-5, 1e-6);
    }

    void adam_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<qint64>("count");
        QTest::addColumn<float>("weightDecay");
        QTest::addColumn<bool>("decoupled");
        QTest::newRow("adam, 5 steps") << qint64(1000) << 0.0f << false;
        QTest::newRow("adam with L2 weight decay 1e-2") << qint64(257) << 1e-2f << false;
        QTest::newRow("adamw, decoupled weight decay 1e-2") << qint64(10000) << 1e-2f << true;
        QTest::newRow("adam over more than one grid") << qint64(4096 * 256 + 3) << 0.0f << false;
    }

    // Five steps with a new gradient each, so the bias corrections and moments all move.
    void adam()
    {
        QFETCH(qint64, count);
        QFETCH(float, weightDecay);
        QFETCH(bool, decoupled);
        const Values w = randomValues(count, -1, 1, 37);
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            Tensor weights = on(b, { count }, w);
            Tensor m = Tensor::zeros(b, { count });
            Tensor v = Tensor::zeros(b, { count });
            AdamOptions options;
            options.learningRate = 1e-2f;
            options.weightDecay = weightDecay;
            options.decoupledWeightDecay = decoupled;
            for (unsigned step = 1; step <= 5; ++step) {
                options.step = step;
                b.adamStep(weights, on(b, { count }, randomValues(count, -1, 1, 40 + step)), m, v,
                           options);
            }
            return concat(concat(weights.toHost(), m.toHost()), v.toHost());
        });
        TS_COMPARE_WITH_CPU(results, 0.0, 0.0);
    }

private:
    BackendSet m_backends;
};

QTEST_APPLESS_MAIN(TstBackendOpsCnn)

#include "tst_backend_ops_cnn.moc"
