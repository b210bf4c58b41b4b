// Models built from specs: the shapes they produce, the names they give their layers, and the
// clear refusals when a spec cannot fit its input.
#include "nn/model_factory.h"
#include "tensor/cpu/cpu_backend.h"
#include "tensor/tensor.h"

#include <QtTest/QTest>

using namespace ts;
using Shape = std::vector<int64_t>;

Q_DECLARE_METATYPE(Shape)

namespace {

nn::ModelSpec smallCnn()
{
    nn::ModelSpec spec;
    spec.type = "cnn";
    spec.conv = { { 32, 5, 1, 0 }, { 64, 5, 1, 0 } };
    spec.hidden = { 128 };
    return spec;
}

nn::ModelSpec resnet(std::vector<int64_t> blocks)
{
    nn::ModelSpec spec;
    spec.type = "resnet";
    spec.blocks = std::move(blocks);
    spec.width = 8;
    return spec;
}

} // namespace

class TstModelFactory : public QObject
{
    Q_OBJECT

private slots:
    void outputShape_data();
    void outputShape();
    void layerNames();
    void refusals_data();
    void refusals();

private:
    tensor::CpuBackend m_cpu { 1 };
};

void TstModelFactory::outputShape_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Shape>("sample");
    QTest::addColumn<qlonglong>("parameters");
    // conv 5x5x1x32 + 32, conv 5x5x32x64 + 64, dense 1024x128 + 128, head 128x10 + 10
    QTest::newRow("small CNN on 28x28 grey images")
            << "cnn" << Shape { 28, 28, 1 } << qlonglong(832 + 51264 + 131200 + 1290);
    QTest::newRow("ResNet on 28x28 grey images")
            << "resnet" << Shape { 28, 28, 1 } << qlonglong(-1);
    QTest::newRow("ResNet on 32x32 colour images")
            << "resnet" << Shape { 32, 32, 3 } << qlonglong(-1);
    QTest::newRow("MLP on a table") << "mlp" << Shape { 13 } << qlonglong(13 * 4 + 4 + 4 * 3 + 3);
}

void TstModelFactory::outputShape()
{
    QFETCH(QString, kind);
    QFETCH(Shape, sample);
    QFETCH(qlonglong, parameters);
    nn::ModelSpec spec = kind == "cnn" ? smallCnn()
            : kind == "resnet"         ? resnet({ 2, 2, 2 })
                                       : nn::ModelSpec {};
    if (kind == "mlp")
        spec.hidden = { 4 };
    QVERIFY(nn::checkModelFits(spec, sample).ok());
    auto model = nn::buildModel(spec, m_cpu, sample, kind == "mlp" ? 3 : 10, 1);
    if (parameters >= 0)
        QCOMPARE(model->parameterCount(), int64_t(parameters));
    Shape batch { 3 };
    batch.insert(batch.end(), sample.begin(), sample.end());
    const tensor::Tensor x = tensor::Tensor::zeros(m_cpu, batch);
    model->setTraining(false);
    const tensor::Tensor& y = model->forward(x);
    QCOMPARE(y.rows(), int64_t(3));
    QCOMPARE(y.cols(), int64_t(kind == "mlp" ? 3 : 10));
}

void TstModelFactory::layerNames()
{
    auto model = nn::buildModel(resnet({ 1, 1 }), m_cpu, Shape { 16, 16, 1 }, 10, 1);
    QStringList names;
    for (const nn::Parameter* p : model->parameters())
        names << QString::fromStdString(p->name);
    // The stem, both stages (the second with a projection shortcut), and the head.
    QVERIFY(names.contains("stem.weight"));
    QVERIFY(names.contains("stage1.block1.conv1.weight"));
    QVERIFY(names.contains("stage2.block1.conv2.weight"));
    QVERIFY(names.contains("stage2.block1.shortcut.weight"));
    QVERIFY(names.contains("head.weight"));
    QVERIFY(!names.contains("stage1.block1.shortcut.weight")); // same shape: identity shortcut
    // 4 basic-block convolutions + stem = 5 convolutions with weights, plus the head.
    QCOMPARE(names.filter(".conv").size() + names.filter("stem.weight").size(), 5);
}

void TstModelFactory::refusals_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<Shape>("sample");
    QTest::addColumn<QString>("expected");
    QTest::newRow("CNN on a table")
            << "cnn" << Shape { 13 } << "model type 'cnn' needs image input";
    QTest::newRow("ResNet on a table")
            << "resnet" << Shape { 784 } << "model type 'resnet' needs image input";
    QTest::newRow("CNN on images too small for two 5x5 convolutions")
            << "cnn" << Shape { 12, 12, 1 }
            << "model 'cnn' does not fit 12x12 images: convolution 2 (with its pooling) leaves "
               "no pixels";
}

void TstModelFactory::refusals()
{
    QFETCH(QString, kind);
    QFETCH(Shape, sample);
    QFETCH(QString, expected);
    const auto fits = nn::checkModelFits(kind == "cnn" ? smallCnn() : resnet({ 2 }), sample);
    QVERIFY(!fits.ok());
    QCOMPARE(fits.error().kind(), common::ErrorKind::InvalidInput);
    QVERIFY2(QString::fromStdString(fits.error().message()).startsWith(expected),
             fits.error().message().c_str());
}

QTEST_APPLESS_MAIN(TstModelFactory)
#include "tst_model_factory.moc"
