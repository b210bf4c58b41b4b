// Finite-difference checks of every layer's backward pass: the analytic gradient of a scalar
// loss must match (L(x + eps) - L(x - eps)) / 2 eps for every parameter and input element.
#include "common/fuzzy_compare.h"
#include "common/gradient_check.h"
#include "nn/dense.h"
#include "nn/model_factory.h"
#include "nn/relu.h"
#include "tensor/cpu/cpu_backend.h"

#include <QtTest/QTest>

#include <functional>
#include <random>

using namespace ts;
using tensor::Tensor;
using test::Floats;
using test::numericGradient;
using test::randomFloats;
using test::weightedSum;

class TstGradients : public QObject
{
    Q_OBJECT

private slots:
    void dense_data();
    void dense();
    void reluAwayFromTheKink();
    void softmaxCrossEntropy();
    void wholeMlpThroughTheLoss();

private:
    tensor::CpuBackend m_cpu { 1 };
};

void TstGradients::dense_data()
{
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::newRow("one sample, 3 -> 2") << 1 << 3 << 2;
    QTest::newRow("batch of 5, 4 -> 3") << 5 << 4 << 3;
    QTest::newRow("batch of 7, 1 -> 6") << 7 << 1 << 6;
}

void TstGradients::dense()
{
    QFETCH(int, batch);
    QFETCH(int, in);
    QFETCH(int, out);
    nn::Dense layer("dense", m_cpu, in, out);
    layer.weight().value.upload(randomFloats(size_t(in * out), 1));
    layer.bias().value.upload(randomFloats(size_t(out), 2));
    Tensor x = Tensor::fromHost(m_cpu, { batch, in }, randomFloats(size_t(batch * in), 3));
    const Floats r = randomFloats(size_t(batch * out), 4);
    auto loss = [&] { return weightedSum(layer.forward(x), r); };

    layer.forward(x);
    const Tensor dy = Tensor::fromHost(m_cpu, { batch, out }, r);
    const Floats dx = layer.backward(dy, true).toHost();
    const Floats dw = layer.weight().grad.toHost();
    const Floats db = layer.bias().grad.toHost();
    // Dense is linear: central differences are exact up to rounding.
    TS_COMPARE_FLOATS(dw, numericGradient(layer.weight().value, loss), 1e-3, 1e-3);
    TS_COMPARE_FLOATS(db, numericGradient(layer.bias().value, loss), 1e-3, 1e-3);
    TS_COMPARE_FLOATS(dx, numericGradient(x, loss), 1e-3, 1e-3);
    QVERIFY(layer.backward(dy, false).empty());
}

void TstGradients::reluAwayFromTheKink()
{
    // Inputs kept at least 0.1 from 0 so that +-eps never crosses the kink.
    Floats values = randomFloats(24, 5, 0.1f, 1.0f);
    for (size_t i = 0; i < values.size(); i += 2)
        values[i] = -values[i];
    Tensor x = Tensor::fromHost(m_cpu, { 4, 6 }, values);
    nn::Relu relu("relu", m_cpu);
    const Floats r = randomFloats(24, 6);
    auto loss = [&] { return weightedSum(relu.forward(x), r); };
    relu.forward(x);
    const Floats dx = relu.backward(Tensor::fromHost(m_cpu, { 4, 6 }, r), true).toHost();
    TS_COMPARE_FLOATS(dx, numericGradient(x, loss), 1e-3, 1e-3);
}

void TstGradients::softmaxCrossEntropy()
{
    Tensor z = Tensor::fromHost(m_cpu, { 4, 5 }, randomFloats(20, 7, -3, 3));
    const Tensor y = Tensor::fromHost(m_cpu, { 4 }, Floats { 0, 4, 2, 2 });
    auto loss = [&] { return double(m_cpu.softmaxCrossEntropy(z, y, nullptr)); };
    Tensor dz(m_cpu, { 4, 5 });
    m_cpu.softmaxCrossEntropy(z, y, &dz);
    TS_COMPARE_FLOATS(dz.toHost(), numericGradient(z, loss, 1e-3f), 1e-2, 2e-4);
}

void TstGradients::wholeMlpThroughTheLoss()
{
    // Every parameter of a 6-5-4-3 MLP against the mean cross-entropy: checks that the layers
    // chain their gradients correctly, not only each on its own.
    nn::ModelSpec spec { .type = "mlp", .hidden = { 5, 4 } };
    auto model = nn::buildModel(spec, m_cpu, 6, 3, 11);
    const Tensor x = Tensor::fromHost(m_cpu, { 8, 6 }, randomFloats(48, 8));
    const Tensor y = Tensor::fromHost(m_cpu, { 8 }, Floats { 0, 1, 2, 0, 1, 2, 2, 1 });
    auto loss = [&] { return double(m_cpu.softmaxCrossEntropy(model->forward(x), y, nullptr)); };
    const Tensor& logits = model->forward(x);
    Tensor dz(m_cpu, { 8, 3 });
    m_cpu.softmaxCrossEntropy(logits, y, &dz);
    model->backward(dz);
    for (nn::Parameter* p : model->parameters()) {
        const Floats analytic = p->grad.toHost();
        const Floats numeric = numericGradient(p->value, loss, 1e-3f);
        const double error = ts::test::nmse(analytic, numeric);
        QVERIFY2(error < 1e-4,
                 qPrintable(QString::fromStdString(p->name) + QString(": nmse %1").arg(error)));
    }
}

QTEST_APPLESS_MAIN(TstGradients)
#include "tst_gradients.moc"
