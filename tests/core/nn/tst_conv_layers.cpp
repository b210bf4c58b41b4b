// The CNN layers: finite-difference checks of every backward pass (as tst_gradients.cpp does for
// Dense), a convolution against the textbook loops, the training/inference switches, and a tiny
// CNN that must overfit a few images.
#include "common/fuzzy_compare.h"
#include "common/gradient_check.h"
#include "nn/batch_norm.h"
#include "nn/conv2d.h"
#include "nn/dense.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/init.h"
#include "nn/pool2d.h"
#include "nn/relu.h"
#include "nn/residual_block.h"
#include "nn/sgd.h"
#include "tensor/cpu/cpu_backend.h"

#include <QtTest/QTest>

#include <algorithm>
#include <functional>
#include <random>

using namespace ts;
using tensor::Shape;
using tensor::Tensor;
using test::Floats;
using test::numericGradient;
using test::randomFloats;
using test::weightedSum;

namespace {

// Runs forward + backward of `layer` on `x` under the loss sum(y * r), then compares the input
// gradient and every parameter gradient with central differences (nmse, so that a rare kink
// crossed by +-eps does not fail a nonlinear layer).
void checkGradients(nn::Layer& layer, Tensor& x, uint64_t seed, float eps = 1e-2f,
                    double tolerance = 1e-6)
{
    const Tensor& y0 = layer.forward(x);
    const Floats r = randomFloats(size_t(y0.size()), seed);
    const Tensor dy = Tensor::fromHost(x.backend(), y0.shape(), r);
    const Floats dx = layer.backward(dy, true).toHost();
    std::vector<Floats> grads;
    for (nn::Parameter* p : layer.parameters())
        grads.push_back(p->grad.toHost());
    auto loss = [&] { return weightedSum(layer.forward(x), r); };
    const double inputError = test::nmse(dx, numericGradient(x, loss, eps));
    QVERIFY2(inputError < tolerance, qPrintable(QString("input: nmse %1").arg(inputError)));
    for (size_t i = 0; i < grads.size(); ++i) {
        nn::Parameter* p = layer.parameters()[i];
        const double error = test::nmse(grads[i], numericGradient(p->value, loss, eps));
        QVERIFY2(error < tolerance,
                 qPrintable(QString::fromStdString(p->name) + QString(": nmse %1").arg(error)));
    }
    QVERIFY(layer.backward(dy, false).empty());
}

// Distinct values 0.1 apart, shuffled: +-eps never changes which element of a window is the max.
Floats distinctFloats(size_t n, uint64_t seed)
{
    Floats v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = 0.1f * float(i) - 0.05f * float(n);
    std::shuffle(v.begin(), v.end(), std::mt19937_64(seed));
    return v;
}

// spec = { n, h, w, inC, outC, kernel, stride, padding, dilation }, random weights and bias.
std::unique_ptr<nn::Conv2d> makeConv(tensor::Backend& backend, const QList<int>& spec,
                                     uint64_t seed)
{
    auto layer = std::make_unique<nn::Conv2d>("conv", backend, spec[3], spec[4], spec[5], spec[6],
                                              spec[7], spec[8]);
    layer->weight().value.upload(randomFloats(size_t(layer->weight().value.size()), seed));
    layer->bias().value.upload(randomFloats(size_t(spec[4]), seed + 1));
    return layer;
}

} // namespace

class TstConvLayers : public QObject
{
    Q_OBJECT

private slots:
    void conv2dGradients_data();
    void conv2dGradients();
    void conv2dMatchesDirectConvolution_data();
    void conv2dMatchesDirectConvolution();
    void poolGradients_data();
    void poolGradients();
    void batchNormGradients_data();
    void batchNormGradients();
    void batchNormInferenceUsesRunningStatistics();
    void dropoutGradientIsTheMask();
    void dropoutInferenceAndDropRate();
    void flattenIsAView();
    void residualBlockGradients_data();
    void residualBlockGradients();
    void initializeReachesConvolutionsInBlocks();
    void tinyCnnOverfitsSixteenImages();

private:
    tensor::CpuBackend m_cpu { 1 };
};

void TstConvLayers::conv2dGradients_data()
{
    QTest::addColumn<QList<int>>("spec"); // n, h, w, inC, outC, kernel, stride, padding, dilation
    QTest::newRow("5x5, 3 -> 4 channels") << QList<int> { 2, 8, 9, 3, 4, 5, 1, 0, 1 };
    QTest::newRow("3x3, same padding") << QList<int> { 2, 5, 5, 2, 3, 3, 1, 1, 1 };
    QTest::newRow("3x3, stride 2") << QList<int> { 2, 6, 7, 2, 2, 3, 2, 0, 1 };
    QTest::newRow("3x3, stride 2, padding 1") << QList<int> { 3, 7, 6, 2, 5, 3, 2, 1, 1 };
    QTest::newRow("3x3, dilation 2, padding 2") << QList<int> { 1, 6, 5, 2, 2, 3, 1, 2, 2 };
    QTest::newRow("3x3, dilation 3, padding 2") << QList<int> { 1, 9, 8, 4, 2, 3, 1, 2, 3 };
    QTest::newRow("1x1, stride 1: no im2col") << QList<int> { 2, 3, 3, 3, 4, 1, 1, 0, 1 };
    QTest::newRow("1x1, stride 2 (ResNet shortcut)") << QList<int> { 2, 5, 5, 3, 4, 1, 2, 0, 1 };
}

void TstConvLayers::conv2dGradients()
{
    QFETCH(QList<int>, spec);
    auto layer = makeConv(m_cpu, spec, 1);
    Tensor x = Tensor::fromHost(m_cpu, { spec[0], spec[1], spec[2], spec[3] },
                                randomFloats(size_t(spec[0] * spec[1] * spec[2] * spec[3]), 3));
    checkGradients(*layer, x, 4); // linear in W, b and x: differences are exact up to rounding
}

void TstConvLayers::conv2dMatchesDirectConvolution_data()
{
    conv2dGradients_data();
}

void TstConvLayers::conv2dMatchesDirectConvolution()
{
    QFETCH(QList<int>, spec);
    auto layer = makeConv(m_cpu, spec, 5);
    const int n = spec[0], h = spec[1], w = spec[2], c = spec[3];
    const int outC = spec[4], k = spec[5], s = spec[6], p = spec[7], d = spec[8];
    const Floats xs = randomFloats(size_t(n * h * w * c), 6);
    const Tensor& y = layer->forward(Tensor::fromHost(m_cpu, { n, h, w, c }, xs));
    const int oh = int(nn::Conv2d::outputSize(h, k, s, p, d));
    const int ow = int(nn::Conv2d::outputSize(w, k, s, p, d));
    QCOMPARE(y.shape(), (Shape { n, oh, ow, outC }));
    const Floats wt = layer->weight().value.toHost(), bias = layer->bias().value.toHost();
    Floats expected;
    for (int b = 0; b < n; ++b)
        for (int i = 0; i < oh; ++i)
            for (int j = 0; j < ow; ++j)
                for (int o = 0; o < outC; ++o) {
                    double sum = bias[size_t(o)];
                    for (int u = 0; u < k; ++u)
                        for (int v = 0; v < k; ++v)
                            for (int ch = 0; ch < c; ++ch) {
                                const int ih = i * s - p + u * d, iw = j * s - p + v * d;
                                if (ih < 0 || ih >= h || iw < 0 || iw >= w)
                                    continue;
                                sum += double(xs[size_t(((b * h + ih) * w + iw) * c + ch)])
                                        * wt[size_t(((u * k + v) * c + ch) * outC + o)];
                            }
                    expected.push_back(float(sum));
                }
    TS_COMPARE_FLOATS(y.toHost(), expected, 1e-4, 1e-5);
}

void TstConvLayers::poolGradients_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QList<int>>("window"); // kernel, stride, padding
    QTest::newRow("max 2x2, stride 2") << "max" << QList<int> { 2, 2, 0 };
    QTest::newRow("max 3x3, stride 2, padding 1: overlapping") << "max" << QList<int> { 3, 2, 1 };
    QTest::newRow("avg 2x2, stride 2") << "avg" << QList<int> { 2, 2, 0 };
    QTest::newRow("avg 3x3, stride 1, padding 1") << "avg" << QList<int> { 3, 1, 1 };
    QTest::newRow("global average") << "global" << QList<int> {};
}

void TstConvLayers::poolGradients()
{
    QFETCH(QString, kind);
    QFETCH(QList<int>, window);
    std::unique_ptr<nn::Layer> layer;
    if (kind == "max")
        layer = std::make_unique<nn::MaxPool2d>("pool", m_cpu, window[0], window[1], window[2]);
    else if (kind == "avg")
        layer = std::make_unique<nn::AvgPool2d>("pool", m_cpu, window[0], window[1], window[2]);
    else
        layer = std::make_unique<nn::GlobalAvgPool>("pool", m_cpu);
    Tensor x = Tensor::fromHost(m_cpu, { 2, 6, 5, 3 }, distinctFloats(180, 7));
    checkGradients(*layer, x, 8);
    if (kind == "global")
        QCOMPARE(layer->forward(x).shape(), (Shape { 2, 3 }));
}

void TstConvLayers::batchNormGradients_data()
{
    QTest::addColumn<QList<int>>("shape");
    QTest::newRow("features [N, C]") << QList<int> { 7, 3 };
    QTest::newRow("images [N, H, W, C]: statistics over N, H and W") << QList<int> { 2, 3, 2, 4 };
}

void TstConvLayers::batchNormGradients()
{
    QFETCH(QList<int>, shape);
    const Shape dims(shape.begin(), shape.end());
    nn::BatchNorm layer("bn", m_cpu, dims.back());
    layer.weight().value.upload(randomFloats(size_t(dims.back()), 9, 0.5f, 1.5f));
    layer.bias().value.upload(randomFloats(size_t(dims.back()), 10));
    Tensor x = Tensor::fromHost(m_cpu, dims, randomFloats(size_t(tensor::elementCount(dims)), 11));
    checkGradients(layer, x, 12, 1e-3f, 1e-5);
    QCOMPARE(layer.buffers()[0].first, std::string("bn.running_mean"));
    QCOMPARE(layer.buffers()[1].first, std::string("bn.running_var"));
}

void TstConvLayers::batchNormInferenceUsesRunningStatistics()
{
    // With the running statistics set to this batch's mean and biased variance, inference and
    // training agree; inference then leaves the statistics alone and treats rows one by one.
    const Floats xs { 1, -2, 3, 0, 5, 4, -1, 6 }; // 4 rows, 2 channels
    const Tensor x = Tensor::fromHost(m_cpu, { 4, 2 }, xs);
    nn::BatchNorm layer("bn", m_cpu, 2, { 0.1f, 1e-5f });
    layer.weight().value.upload(Floats { 2, 0.5f });
    layer.bias().value.upload(Floats { 1, -1 });
    const Floats trained = layer.forward(x).toHost();
    layer.runningMean().upload(Floats { 2, 2 }); // means of (1, 3, 5, -1), (-2, 0, 4, 6)
    layer.runningVar().upload(Floats { 5, 10 }); // biased variances
    layer.setTraining(false);
    TS_COMPARE_FLOATS(layer.forward(x).toHost(), trained, 1e-5, 1e-5);
    const Tensor firstRow = Tensor::fromHost(m_cpu, { 1, 2 }, Floats { 1, -2 });
    TS_COMPARE_FLOATS(layer.forward(firstRow).toHost(), (Floats { trained[0], trained[1] }), 1e-5,
                      1e-5);
    TS_COMPARE_FLOATS(layer.runningMean().toHost(), (Floats { 2, 2 }), 0, 0);
    TS_COMPARE_FLOATS(layer.runningVar().toHost(), (Floats { 5, 10 }), 0, 0);
}

void TstConvLayers::dropoutGradientIsTheMask()
{
    // y = x * mask is linear in x with the mask fixed: the gradient is the mask itself.
    nn::Dropout layer("drop", m_cpu, 0.5f, 13);
    const Floats xs = randomFloats(48, 14), r = randomFloats(48, 15);
    const Floats y = layer.forward(Tensor::fromHost(m_cpu, { 4, 2, 2, 3 }, xs)).toHost();
    const Floats mask = layer.mask().toHost();
    QVERIFY(std::count(mask.begin(), mask.end(), 0.0f) > 0);
    QVERIFY(std::count(mask.begin(), mask.end(), 2.0f) > 0);
    const Floats dx = layer.backward(Tensor::fromHost(m_cpu, { 4, 2, 2, 3 }, r), true).toHost();
    for (size_t i = 0; i < mask.size(); ++i) {
        QCOMPARE(y[i], xs[i] * mask[i]);
        QCOMPARE(dx[i], r[i] * mask[i]);
    }
}

void TstConvLayers::dropoutInferenceAndDropRate()
{
    const int64_t n = 100000;
    const Tensor x = Tensor::fromHost(m_cpu, { n, 1 }, Floats(size_t(n), 1.0f));
    nn::Dropout layer("drop", m_cpu, 0.3f, 16);
    const Floats first = layer.forward(x).toHost();
    const auto dropped = std::count(first.begin(), first.end(), 0.0f);
    QVERIFY2(std::abs(double(dropped) / double(n) - 0.3) < 0.01,
             qPrintable(QString::number(dropped)));
    QVERIFY(std::all_of(first.begin(), first.end(),
                        [](float v) { return v == 0 || v == 1 / 0.7f; }));
    QCOMPARE(layer.calls(), uint64_t(1));
    QVERIFY(layer.forward(x).toHost() != first); // a fresh mask every call
    layer.setCalls(0);
    QVERIFY(layer.forward(x).toHost() == first); // a restored counter replays it
    layer.setTraining(false);
    const Tensor& y = layer.forward(x);
    QCOMPARE(y.data(), x.data()); // the identity, without a copy
    QCOMPARE(layer.calls(), uint64_t(1));
    QCOMPARE(layer.backward(x, true).data(), x.data()); // and so is its backward pass
}

void TstConvLayers::flattenIsAView()
{
    nn::Flatten layer("flatten");
    Tensor x = Tensor::fromHost(m_cpu, { 2, 3, 2, 4 }, randomFloats(48, 17));
    const Tensor& y = layer.forward(x);
    QCOMPARE(y.shape(), (Shape { 2, 24 }));
    QCOMPARE(y.data(), x.data());
    const Tensor dy = Tensor::fromHost(m_cpu, { 2, 24 }, randomFloats(48, 18));
    QCOMPARE(layer.backward(dy, true).shape(), x.shape());
    QCOMPARE(layer.backward(dy, true).data(), dy.data());
    checkGradients(layer, x, 19);
}

void TstConvLayers::residualBlockGradients_data()
{
    QTest::addColumn<bool>("convShortcut");
    QTest::newRow("identity shortcut: main keeps the shape") << false;
    QTest::newRow("1x1 stride-2 conv + batch norm shortcut: main halves H and W") << true;
}

void TstConvLayers::residualBlockGradients()
{
    QFETCH(bool, convShortcut);
    const int64_t c = 3, outC = convShortcut ? 4 : 3, stride = convShortcut ? 2 : 1;
    auto main = std::make_unique<nn::Sequential>();
    main->add(std::make_unique<nn::Conv2d>("b.conv1", m_cpu, c, outC, 3, stride, 1));
    main->add(std::make_unique<nn::Relu>("b.relu1", m_cpu));
    main->add(std::make_unique<nn::Conv2d>("b.conv2", m_cpu, outC, outC, 3, 1, 1));
    std::unique_ptr<nn::Sequential> shortcut;
    if (convShortcut) {
        shortcut = std::make_unique<nn::Sequential>();
        shortcut->add(std::make_unique<nn::Conv2d>("b.down", m_cpu, c, outC, 1, 2, 0, 1, false));
        shortcut->add(std::make_unique<nn::BatchNorm>("b.bn", m_cpu, outC));
    }
    nn::ResidualBlock block("b", m_cpu, std::move(main), std::move(shortcut));
    uint64_t seed = 20;
    for (nn::Parameter* p : block.parameters())
        p->value.upload(randomFloats(size_t(p->value.size()), seed++, -0.5f, 0.5f));
    QCOMPARE(block.parameters().size(), size_t(convShortcut ? 7 : 4));
    QCOMPARE(block.buffers().size(), size_t(convShortcut ? 2 : 0));
    Tensor x = Tensor::fromHost(m_cpu, { 2, 6, 6, c }, randomFloats(216, 30));
    QCOMPARE(block.forward(x).shape(), (Shape { 2, 6 / stride, 6 / stride, outC }));
    // Every conv1 weight moves every pre-activation of two ReLUs: a small eps crosses no kink.
    checkGradients(block, x, 31, 1e-4f, 1e-4);
    block.setTraining(false);
    QVERIFY(!block.main().layers()[0]->training());
    QVERIFY(!block.shortcut() || !block.shortcut()->layers()[1]->training());
}

void TstConvLayers::initializeReachesConvolutionsInBlocks()
{
    nn::Sequential model;
    model.add(std::make_unique<nn::Conv2d>("conv", m_cpu, 3, 8, 3));
    auto main = std::make_unique<nn::Sequential>();
    main->add(std::make_unique<nn::Conv2d>("block.conv", m_cpu, 8, 8, 3, 1, 1));
    model.add(std::make_unique<nn::ResidualBlock>("block", m_cpu, std::move(main), nullptr));
    nn::initialize(model, nn::InitScheme::He, 1);
    const auto params = model.parameters(); // conv w, b, block.conv w, b
    for (size_t i : { size_t(0), size_t(2) }) {
        const float bound = std::sqrt(6.0f / float(9 * (i == 0 ? 3 : 8))); // fanIn = 3 * 3 * inC
        float maxAbs = 0;
        for (float v : params[i]->value.toHost())
            maxAbs = std::max(maxAbs, std::abs(v));
        QVERIFY(maxAbs <= bound && maxAbs > 0.8f * bound); // filled, and within He's bound
        TS_COMPARE_FLOATS(params[i + 1]->value.toHost(), Floats(8, 0.0f), 0, 0);
    }
    QVERIFY(params[0]->value.toHost()[0] != params[2]->value.toHost()[0]); // own seeds
}

void TstConvLayers::tinyCnnOverfitsSixteenImages()
{
    nn::Sequential model;
    model.add(std::make_unique<nn::Conv2d>("conv1", m_cpu, 1, 8, 3, 1, 1));
    model.add(std::make_unique<nn::Relu>("relu1", m_cpu));
    model.add(std::make_unique<nn::MaxPool2d>("pool1", m_cpu, 2, 2));
    model.add(std::make_unique<nn::Flatten>("flatten"));
    model.add(std::make_unique<nn::Dense>("dense", m_cpu, 4 * 4 * 8, 4));
    nn::initialize(model, nn::InitScheme::He, 32);
    const Tensor x = Tensor::fromHost(m_cpu, { 16, 8, 8, 1 }, randomFloats(16 * 64, 33));
    const Tensor y = Tensor::fromHost(m_cpu, { 16 },
                                      Floats { 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3 });
    nn::Sgd sgd(model.parameters(), { .learningRate = 0.05f, .momentum = 0.9f });
    Tensor dlogits(m_cpu, { 16, 4 });
    float loss = 0;
    for (int step = 0; step < 300; ++step) {
        loss = m_cpu.softmaxCrossEntropy(model.forward(x), y, &dlogits);
        model.backward(dlogits);
        sgd.step();
    }
    QVERIFY2(loss < 0.01f, qPrintable(QString("final loss %1").arg(loss)));
    QCOMPARE(m_cpu.countCorrect(model.forward(x), y), int64_t(16));
}

QTEST_APPLESS_MAIN(TstConvLayers)
#include "tst_conv_layers.moc"
