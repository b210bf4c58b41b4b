// Every backend op against the CPU backend, the idea of ggml's test-backend-ops: each op runs on
// the CPU reference and on every other backend this machine offers (CUDA through its plugin), on
// the same random inputs (fixed seeds), and the results must agree within float tolerances. A
// finite-difference mode checks the loss gradient on every backend, the CPU included. The ops of
// convolutional networks, element-wise ops and Adam are compared in tst_backend_ops_cnn.cpp.
//
// Without a usable GPU the comparisons are skipped with the plugin's reason
// ("CUDA backend unavailable: cudaErrorInsufficientDriver: ..."), never silently passed.
#include "backend_ops_fixture.h"
#include "common/fuzzy_compare.h"
#include "tensor/tensor.h"

#include <QFile>
#include <QtTest/QTest>

#include <algorithm>
#include <cmath>
#include <vector>

using ts::tensor::Backend;
using ts::tensor::Shape;
using ts::tensor::Tensor;
using ts::tensor::Transpose;
using namespace ts::test; // randomValues, on, concat, Values: the fixture's helpers

class TstBackendOps : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { m_backends.open(); }

    void cudaPluginIsBuilt()
    {
#ifdef TS_HAVE_CUDA_PLUGIN
        QVERIFY2(QFile::exists(TS_BINARY_DIR "/lib/libtrainstudio-cuda.so"),
                 "nvcc was found, so the build must produce lib/libtrainstudio-cuda.so");
#else
        QSKIP("this build has no CUDA compiler, so no CUDA plugin");
#endif
    }

    void cudaUnavailabilityIsExplained()
    {
        if (!m_backends.others().empty()) {
            QCOMPARE(m_backends.others().front()->kind(), ts::tensor::DeviceKind::Cuda);
            QVERIFY(QString::fromStdString(m_backends.others().front()->name())
                            .startsWith("CUDA ("));
            return;
        }
        // The user must learn why: a missing plugin, driver or device, named with "CUDA".
        QVERIFY(!m_backends.cudaError().isEmpty());
        QVERIFY2(m_backends.cudaError().contains("cuda", Qt::CaseInsensitive),
                 qPrintable(m_backends.cudaError()));
    }

    void fill_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<qint64>("count");
        QTest::addColumn<float>("value");
        QTest::newRow("fill one float") << qint64(1) << 3.5f;
        QTest::newRow("fill more than one grid of blocks") << qint64((1 << 20) * 4 + 3) << -2.0f;
    }

    void fill()
    {
        QFETCH(qint64, count);
        QFETCH(float, value);
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            Tensor t(b, { count });
            b.fill(t.data(), value, static_cast<size_t>(count));
            return t.toHost();
        });
        for (const auto& r : results)
            QVERIFY(std::all_of(r.begin(), r.end(), [&](float x) { return x == value; }));
    }

    void gemm_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<bool>("transA");
        QTest::addColumn<bool>("transB");
        QTest::addColumn<int>("m");
        QTest::addColumn<int>("n");
        QTest::addColumn<int>("k");
        QTest::addColumn<float>("alpha");
        QTest::addColumn<float>("beta");
        QTest::newRow("gemm 64x784 * 784x256")
                << false << false << 64 << 256 << 784 << 1.0f << 0.0f;
        QTest::newRow("gemm A^T*B") << true << false << 33 << 17 << 65 << 1.0f << 0.0f;
        QTest::newRow("gemm A*B^T") << false << true << 31 << 47 << 129 << 1.0f << 0.0f;
        QTest::newRow("gemm A^T*B^T") << true << true << 5 << 9 << 7 << 1.0f << 0.0f;
        QTest::newRow("gemm alpha 0.5, beta 1 accumulates")
                << false << false << 16 << 8 << 32 << 0.5f << 1.0f;
        QTest::newRow("gemm 1x1 * 1x1") << false << false << 1 << 1 << 1 << 1.0f << 0.0f;
        QTest::newRow("gemm 10x1 * 1x10 outer product")
                << false << false << 10 << 10 << 1 << 1.0f << 0.0f;
    }

    void gemm()
    {
        QFETCH(bool, transA);
        QFETCH(bool, transB);
        QFETCH(int, m);
        QFETCH(int, n);
        QFETCH(int, k);
        QFETCH(float, alpha);
        QFETCH(float, beta);
        const Shape shapeA = transA ? Shape { k, m } : Shape { m, k };
        const Shape shapeB = transB ? Shape { n, k } : Shape { k, n };
        const Values a = randomValues(int64_t(m) * k, -1, 1, 1);
        const Values b = randomValues(int64_t(k) * n, -1, 1, 2);
        const Values c = randomValues(int64_t(m) * n, -1, 1, 3);
        const auto results = m_backends.runEverywhere([&](Backend& be) {
            Tensor out = on(be, { m, n }, c);
            be.gemm(transA ? Transpose::Yes : Transpose::No,
                    transB ? Transpose::Yes : Transpose::No, alpha, on(be, shapeA, a),
                    on(be, shapeB, b), beta, out);
            return out.toHost();
        });
        for (size_t i = 1; i < results.size(); ++i) {
            const double nmse = ts::test::nmse(results[i], results[0]);
            QVERIFY2(nmse <= 1e-10, qPrintable(QString("nmse %1 against the CPU").arg(nmse)));
        }
    }

    void addRowVectorAndSumRows_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::newRow("bias 64x256") << 64 << 256;
        QTest::newRow("bias on one row") << 1 << 10;
        QTest::newRow("bias 4096x3, narrow rows") << 4096 << 3;
    }

    // The bias of a dense layer: addRowVector forward, sumRows for its gradient.
    void addRowVectorAndSumRows()
    {
        QFETCH(int, rows);
        QFETCH(int, cols);
        const Values y = randomValues(int64_t(rows) * cols, -1, 1, 4);
        const Values bias = randomValues(cols, -1, 1, 5);
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            Tensor out = on(b, { rows, cols }, y);
            b.addRowVector(out, on(b, { cols }, bias));
            Tensor biasGrad(b, { cols });
            b.sumRows(out, biasGrad);
            return concat(out.toHost(), biasGrad.toHost());
        });
        for (size_t i = 1; i < results.size(); ++i)
            TS_COMPARE_FLOATS(results[i], results[0], 1e-5, 1e-5);
    }

    void relu_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<int>("count");
        QTest::addColumn<bool>("inPlace");
        QTest::newRow("relu 1000 values, zeros included") << 1000 << false;
        QTest::newRow("relu in place (y is x, dx is dy)") << 4097 << true;
    }

    void relu()
    {
        QFETCH(int, count);
        QFETCH(bool, inPlace);
        Values x = randomValues(count, -1, 1, 7);
        for (size_t i = 0; i < x.size(); i += 10)
            x[i] = 0.0f; // the kink: max(0, 0) = 0 and no gradient flows through it
        const Values dy = randomValues(count, -1, 1, 8);
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            Tensor in = on(b, { count }, x);
            Tensor y = inPlace ? in : Tensor(b, { count });
            b.reluForward(in, y);
            Tensor grad = on(b, { count }, dy);
            Tensor dx = inPlace ? grad : Tensor(b, { count });
            b.reluBackward(y, grad, dx);
            return concat(y.toHost(), dx.toHost());
        });
        for (size_t i = 1; i < results.size(); ++i)
            TS_COMPARE_FLOATS(results[i], results[0], 0.0, 0.0);
    }

    void softmaxCrossEntropy_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("classes");
        QTest::addColumn<float>("scale"); // logits are uniform in [-scale, scale]
        QTest::addColumn<bool>("withGradient");
        QTest::newRow("softmax CE 10 classes, batch 64") << 64 << 10 << 3.0f << true;
        QTest::newRow("softmax CE 3 classes, large logits") << 16 << 3 << 1000.0f << true;
        QTest::newRow("softmax CE 1000 classes") << 8 << 1000 << 5.0f << true;
        QTest::newRow("softmax CE 4000 classes, 3 rows") << 3 << 4000 << 5.0f << true;
        QTest::newRow("softmax CE loss only, no gradient") << 100 << 10 << 3.0f << false;
    }

    void softmaxCrossEntropy()
    {
        QFETCH(int, rows);
        QFETCH(int, classes);
        QFETCH(float, scale);
        QFETCH(bool, withGradient);
        const Values logits = randomValues(int64_t(rows) * classes, -scale, scale, 9);
        const Values labels = randomLabels(rows, classes, 10);
        std::vector<float> losses;
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            Tensor grad(b, { rows, classes });
            losses.push_back(b.softmaxCrossEntropy(on(b, { rows, classes }, logits),
                                                   on(b, { rows }, labels),
                                                   withGradient ? &grad : nullptr));
            return withGradient ? grad.toHost() : Values();
        });
        for (size_t i = 1; i < results.size(); ++i) {
            QVERIFY2(ts::test::fuzzyEqual(losses[i], losses[0], 1e-5, 1e-6),
                     qPrintable(QString("loss %1 != CPU %2").arg(losses[i]).arg(losses[0])));
            TS_COMPARE_FLOATS(results[i], results[0], 1e-4, 1e-8);
        }
    }

    void countCorrect_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("classes");
        QTest::addColumn<bool>("ties"); // logits in {0, 1, 2}: most rows have tied maxima
        QTest::newRow("accuracy 10 classes, batch 256") << 256 << 10 << false;
        QTest::newRow("accuracy 2000 classes") << 16 << 2000 << false;
        QTest::newRow("ties pick the first class, as std::max_element") << 512 << 7 << true;
    }

    void countCorrect()
    {
        QFETCH(int, rows);
        QFETCH(int, classes);
        QFETCH(bool, ties);
        Values logits = randomValues(int64_t(rows) * classes, 0, ties ? 2.99f : 1.0f, 11);
        for (float& v : logits)
            v = ties ? std::floor(v) : v;
        // Half the labels are the first arg-max: a wrong tie rule or reduction changes the count.
        Values labels = randomLabels(rows, classes, 12);
        for (int i = 0; i < rows; i += 2) {
            const auto row = logits.begin() + int64_t(i) * classes;
            labels[i] = float(std::max_element(row, row + classes) - row);
        }
        std::vector<int64_t> counts;
        m_backends.runEverywhere([&](Backend& b) {
            counts.push_back(
                    b.countCorrect(on(b, { rows, classes }, logits), on(b, { rows }, labels)));
            return Values();
        });
        QVERIFY(counts[0] >= rows / 2);
        for (size_t i = 1; i < counts.size(); ++i)
            QCOMPARE(counts[i], counts[0]);
    }

    void sgdMomentumStep_data()
    {
        TS_SKIP_WITHOUT_OTHER_BACKENDS(m_backends);
        QTest::addColumn<int>("count");
        QTest::addColumn<float>("momentum");
        QTest::addColumn<float>("weightDecay");
        QTest::addColumn<bool>("nesterov");
        QTest::newRow("sgd, three steps of momentum 0.9") << 10000 << 0.9f << 0.0f << false;
        QTest::newRow("sgd with weight decay 5e-4") << 257 << 0.9f << 5e-4f << false;
        QTest::newRow("plain sgd (momentum 0)") << 33 << 0.0f << 0.0f << false;
        QTest::newRow("nesterov, momentum 0.9") << 10000 << 0.9f << 0.0f << true;
        QTest::newRow("nesterov with weight decay 1e-2") << 257 << 0.9f << 1e-2f << true;
    }

    void sgdMomentumStep()
    {
        QFETCH(int, count);
        QFETCH(float, momentum);
        QFETCH(float, weightDecay);
        QFETCH(bool, nesterov);
        const Values w = randomValues(count, -1, 1, 13);
        const auto results = m_backends.runEverywhere([&](Backend& b) {
            Tensor weights = on(b, { count }, w);
            Tensor velocity = Tensor::zeros(b, { count });
            for (unsigned step = 0; step < 3; ++step) {
                const Tensor grad = on(b, { count }, randomValues(count, -1, 1, 14 + step));
                b.sgdMomentumStep(weights, grad, velocity, 0.1f, momentum, weightDecay, nesterov);
            }
            return concat(weights.toHost(), velocity.toHost());
        });
        for (size_t i = 1; i < results.size(); ++i)
            TS_COMPARE_FLOATS(results[i], results[0], 0.0, 0.0); // same float ops, no FMA (.cu)
    }

    void lossGradientMatchesFiniteDifferences_data()
    {
        QTest::addColumn<QString>("backend");
        QTest::newRow("CE gradient on the CPU") << "cpu";
        QTest::newRow("CE gradient on CUDA") << "cuda";
    }

    void lossGradientMatchesFiniteDifferences()
    {
        QFETCH(QString, backend);
        if (backend == "cuda" && m_backends.others().empty())
            QSKIP(qPrintable("CUDA backend unavailable: " + m_backends.cudaError()));
        Backend& b = backend == "cpu" ? m_backends.cpu() : *m_backends.others().front();
        const int rows = 3, classes = 5;
        Values logits = randomValues(rows * classes, -2, 2, 15);
        const Tensor labels = on(b, { rows }, randomLabels(rows, classes, 16));
        Tensor grad(b, { rows, classes });
        b.softmaxCrossEntropy(on(b, { rows, classes }, logits), labels, &grad);
        const Values analytic = grad.toHost();
        const auto lossAt = [&](const Values& z) {
            return b.softmaxCrossEntropy(on(b, { rows, classes }, z), labels, nullptr);
        };
        // Central differences: error O(eps^2) from the curvature plus float rounding / eps.
        const float eps = 1e-2f;
        for (size_t i = 0; i < logits.size(); ++i) {
            const float saved = logits[i];
            logits[i] = saved + eps;
            const float lossPlus = lossAt(logits);
            logits[i] = saved - eps;
            const float lossMinus = lossAt(logits);
            logits[i] = saved;
            const double numeric = (double(lossPlus) - lossMinus) / (2.0 * eps);
            QVERIFY2(ts::test::fuzzyEqual(analytic[i], numeric, 1e-2, 2e-4),
                     qPrintable(QString("logit %1: %2, numerically %3")
                                        .arg(i)
                                        .arg(analytic[i])
                                        .arg(numeric)));
        }
    }

private:
    BackendSet m_backends;
};

QTEST_APPLESS_MAIN(TstBackendOps)

#include "tst_backend_ops.moc"
