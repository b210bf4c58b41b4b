// Optimizers, learning-rate schedules and gradient clipping: hand-computed steps, checked once
// against PyTorch 1.13 (float64) with this script; its output is pasted in the rows below.
//
//     import math, torch
//     torch.set_default_dtype(torch.float64)
//     def run(make, w0, grads):
//         w = torch.nn.Parameter(torch.tensor(w0)); opt = make([w]); out = []
//         for g in grads:
//             w.grad = torch.tensor(g); opt.step(); out.append(w.detach().tolist())
//         return out
//     g3 = [[0.5, -1.0], [0.1, 0.2], [-0.3, 0.4]]
//     run(lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
//         [1.0, -2.0], [[0.5, 1.0]] * 2)
//     run(lambda p: torch.optim.Adam(p, lr=0.1), [1.0, -2.0], g3)                   # "adam"
//     run(lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.1), [1.0, -2.0], g3)
//     run(lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1), [1.0, -2.0], g3)
//     # schedules: StepLR(step_size=30, gamma=0.1), CosineAnnealingLR(T_max=100[, eta_min=0.01]),
//     # LambdaLR(t / 10 if t < 10 else 0.5 * (1 + cos(pi * (t - 10) / 100))), lr read before
//     # the step t; clip_grad_norm_([a, b], 1.0) with grads [3, 0] and [0, 4]
#include "common/fuzzy_compare.h"
#include "nn/adam.h"
#include "nn/grad_clip.h"
#include "nn/lr_schedule.h"
#include "nn/optimizer_factory.h"
#include "nn/sgd.h"
#include "tensor/cpu/cpu_backend.h"

#include <QtTest/QTest>

#include <algorithm>
#include <cmath>

using namespace ts;
using Floats = std::vector<float>;
using Steps = std::vector<Floats>; // one entry per optimizer step

namespace {

nn::Parameter makeParameter(tensor::Backend& backend, const std::string& name, const Floats& values)
{
    const tensor::Shape shape { int64_t(values.size()) };
    return { name, tensor::Tensor::fromHost(backend, shape, values),
             tensor::Tensor::zeros(backend, shape) };
}

// Runs one step per entry of `grads` and returns the weights after each.
Steps runSteps(nn::Optimizer& optimizer, nn::Parameter& p, const Steps& grads)
{
    Steps weights;
    for (const Floats& g : grads) {
        p.grad.upload(g);
        optimizer.step();
        weights.push_back(p.value.toHost());
    }
    return weights;
}

} // namespace

class TstOptimizers : public QObject
{
    Q_OBJECT

private slots:
    void sgd_data();
    void sgd();
    void adam_data();
    void adam();
    void schedule_data();
    void schedule();
    void clipping_data();
    void clipping();
    void stateIsNamedPerParameterAndSlot();
    void restoredStateContinuesTheSameUpdates();
    void factoryBuildsEveryType();

private:
    tensor::CpuBackend m_cpu { 1 };
};

void TstOptimizers::sgd_data()
{
    QTest::addColumn<float>("momentum");
    QTest::addColumn<float>("weightDecay");
    QTest::addColumn<bool>("nesterov");
    QTest::addColumn<Floats>("initial");
    QTest::addColumn<Floats>("grad"); // the same at every step
    QTest::addColumn<Steps>("expected");

    // Learning rate 0.1 everywhere.
    // w -= 0.1 g: 1 - 0.05 = 0.95, -2 - 0.1 = -2.1; then 0.9, -2.2.
    QTest::newRow("plain") << 0.0f << 0.0f << false << Floats { 1, -2 } << Floats { 0.5f, 1 }
                           << Steps { { 0.95f, -2.1f }, { 0.9f, -2.2f } };
    // v1 = g = (0.5, 1): w = (0.95, -2.1); v2 = 0.9 v1 + g = (0.95, 1.9): w = (0.855, -2.29).
    QTest::newRow("momentum") << 0.9f << 0.0f << false << Floats { 1, -2 } << Floats { 0.5f, 1 }
                              << Steps { { 0.95f, -2.1f }, { 0.855f, -2.29f } };
    // g'1 = 0.5 + 0.1 * 1 = 0.6, v1 = 0.6, w = 1 - 0.06 = 0.94;
    // g'2 = 0.5 + 0.1 * 0.94 = 0.594, v2 = 0.54 + 0.594 = 1.134, w = 0.94 - 0.1134 = 0.8266.
    QTest::newRow("momentum and weight decay")
            << 0.9f << 0.1f << false << Floats { 1 } << Floats { 0.5f }
            << Steps { { 0.94f }, { 0.8266f } };
    // v1 = g, w -= 0.1 (g + 0.9 v1) = 0.19 g: (0.905, -2.19);
    // v2 = 1.9 g, w -= 0.1 (g + 0.9 * 1.9 g) = 0.271 g: (0.7695, -2.461). (PyTorch: the same.)
    QTest::newRow("nesterov") << 0.9f << 0.0f << true << Floats { 1, -2 } << Floats { 0.5f, 1 }
                              << Steps { { 0.905f, -2.19f }, { 0.7695f, -2.461f } };
}

void TstOptimizers::sgd()
{
    QFETCH(float, momentum);
    QFETCH(float, weightDecay);
    QFETCH(bool, nesterov);
    QFETCH(Floats, initial);
    QFETCH(Floats, grad);
    QFETCH(Steps, expected);
    nn::Parameter p = makeParameter(m_cpu, "w", initial);
    nn::Sgd optimizer({ &p }, { 0.1f, momentum, weightDecay, nesterov });
    const Steps weights = runSteps(optimizer, p, Steps(expected.size(), grad));
    for (size_t t = 0; t < expected.size(); ++t)
        TS_COMPARE_FLOATS(weights[t], expected[t], 1e-6, 1e-7);
    QCOMPARE(optimizer.stepCount(), int64_t(expected.size()));
}

void TstOptimizers::adam_data()
{
    QTest::addColumn<float>("weightDecay");
    QTest::addColumn<bool>("decoupled");
    QTest::addColumn<Steps>("expected");

    // Learning rate 0.1, betas (0.9, 0.999), eps 1e-8, w = (1, -2), gradients (0.5, -1),
    // (0.1, 0.2), (-0.3, 0.4). Expected values: PyTorch (script above).
    //
    // "adam" by hand, first element:
    //   t = 1: m = 0.1 * 0.5 = 0.05, v = 0.001 * 0.25 = 0.00025; m^ = 0.05 / 0.1 = 0.5,
    //          v^ = 0.00025 / 0.001 = 0.25; w = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.900000002
    //   t = 2: m = 0.045 + 0.01 = 0.055, m^ = 0.055 / (1 - 0.81) = 0.2894736842;
    //          v = 0.00024975 + 0.00001 = 0.00025975, v^ = 0.00025975 / 0.001999 = 0.1299399700,
    //          sqrt = 0.3604718713; w = 0.9 - 0.1 * 0.2894736842 / 0.3604718713 = 0.8196959064
    // "adamw" starts with w *= 1 - 0.1 * 0.1: t = 1: 0.99 - 0.1 = 0.89 (PyTorch 0.890000002).
    const Steps g3 = { { 0.5f, -1 }, { 0.1f, 0.2f }, { -0.3f, 0.4f } };
    QTest::newRow("adam") << 0.0f << false
                          << Steps { { 0.900000002f, -1.900000001f },
                                     { 0.8196959064f, -1.848897394f },
                                     { 0.7986246118f, -1.8354734342f } };
    // g' = g + 0.1 w before the moments: t = 1 sees g' = (0.6, -1.2), same sign: lr step.
    QTest::newRow("adam, L2 weight decay") << 0.1f << false
                                           << Steps { { 0.9000000017f, -1.9000000008f },
                                                      { 0.8136483454f, -1.8336169077f },
                                                      { 0.7715818211f, -1.7944802191f } };
    QTest::newRow("adamw, decoupled weight decay") << 0.1f << true
                                                   << Steps { { 0.890000002f, -1.880000001f },
                                                              { 0.8007959064f, -1.810097394f },
                                                              { 0.7717166527f, -1.7785724603f } };
}

void TstOptimizers::adam()
{
    QFETCH(float, weightDecay);
    QFETCH(bool, decoupled);
    QFETCH(Steps, expected);
    nn::Parameter p = makeParameter(m_cpu, "w", { 1, -2 });
    tensor::AdamOptions options;
    options.learningRate = 0.1f;
    options.weightDecay = weightDecay;
    options.decoupledWeightDecay = decoupled;
    nn::Adam optimizer({ &p }, options);
    const Steps grads = { { 0.5f, -1 }, { 0.1f, 0.2f }, { -0.3f, 0.4f } };
    const Steps weights = runSteps(optimizer, p, grads);
    for (size_t t = 0; t < expected.size(); ++t)
        TS_COMPARE_FLOATS(weights[t], expected[t], 2e-6, 1e-7);
    QCOMPARE(optimizer.stepCount(), int64_t(3));
}

void TstOptimizers::schedule_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<int>("warmupSteps");
    QTest::addColumn<float>("minLearningRate"); // cosine
    QTest::addColumn<int>("step");
    QTest::addColumn<int>("totalSteps");
    QTest::addColumn<double>("expected");

    // Base rate 0.1; step schedules use stepSize 30, gamma 0.1 (torch StepLR).
    QTest::newRow("constant") << "constant" << 0 << 0.0f << 500 << 1000 << 0.1;
    QTest::newRow("constant, warm-up 4: 1/4 of the way")
            << "constant" << 4 << 0.0f << 1 << 100 << 0.025;
    QTest::newRow("constant, warm-up over") << "constant" << 4 << 0.0f << 4 << 100 << 0.1;
    QTest::newRow("step: last step before the decay") << "step" << 0 << 0.0f << 29 << 100 << 0.1;
    QTest::newRow("step: first decay at 30") << "step" << 0 << 0.0f << 30 << 100 << 0.01;
    QTest::newRow("step: floor(65 / 30) = 2 decays") << "step" << 0 << 0.0f << 65 << 100 << 0.001;
    QTest::newRow("step after warm-up 10: 30 steps past it")
            << "step" << 10 << 0.0f << 40 << 100 << 0.01;
    // torch CosineAnnealingLR(T_max = 100): 0.05 (1 + cos(pi t / 100)).
    QTest::newRow("cosine: start") << "cosine" << 0 << 0.0f << 0 << 100 << 0.1;
    QTest::newRow("cosine: a quarter, 0.05 (1 + cos(pi/4))")
            << "cosine" << 0 << 0.0f << 25 << 100 << 0.085355339059;
    QTest::newRow("cosine: half-way") << "cosine" << 0 << 0.0f << 50 << 100 << 0.05;
    QTest::newRow("cosine: three quarters") << "cosine" << 0 << 0.0f << 75 << 100 << 0.014644660941;
    QTest::newRow("cosine: end") << "cosine" << 0 << 0.0f << 100 << 100 << 0.0;
    QTest::newRow("cosine: past the end stays at the floor")
            << "cosine" << 0 << 0.0f << 150 << 100 << 0.0;
    QTest::newRow("cosine to 0.01: half-way, 0.01 + 0.09 / 2")
            << "cosine" << 0 << 0.01f << 50 << 100 << 0.055;
    QTest::newRow("cosine to 0.01: end") << "cosine" << 0 << 0.01f << 100 << 100 << 0.01;
    // Warm-up 10, then cosine over the remaining 100 of 110 steps.
    QTest::newRow("warm-up cosine: step 0 is 0") << "cosine" << 10 << 0.0f << 0 << 110 << 0.0;
    QTest::newRow("warm-up cosine: half the warm-up") << "cosine" << 10 << 0.0f << 5 << 110 << 0.05;
    QTest::newRow("warm-up cosine: peak") << "cosine" << 10 << 0.0f << 10 << 110 << 0.1;
    QTest::newRow("warm-up cosine: half the cosine") << "cosine" << 10 << 0.0f << 60 << 110 << 0.05;
    QTest::newRow("warm-up cosine: end") << "cosine" << 10 << 0.0f << 110 << 110 << 0.0;
}

void TstOptimizers::schedule()
{
    QFETCH(QString, type);
    QFETCH(int, warmupSteps);
    QFETCH(float, minLearningRate);
    QFETCH(int, step);
    QFETCH(int, totalSteps);
    QFETCH(double, expected);
    nn::ScheduleSpec spec;
    spec.type = type.toStdString();
    spec.stepSize = 30;
    spec.gamma = 0.1f;
    spec.minLearningRate = minLearningRate;
    spec.warmupSteps = warmupSteps;
    const float rate = nn::learningRateAt(spec, 0.1f, step, totalSteps);
    QVERIFY2(test::fuzzyEqual(rate, expected, 1e-6, 1e-9),
             qPrintable(QString("%1 != expected %2").arg(double(rate), 0, 'g', 9).arg(expected)));
}

void TstOptimizers::clipping_data()
{
    QTest::addColumn<double>("maxNorm");
    QTest::addColumn<Floats>("expectedA");
    QTest::addColumn<Floats>("expectedB");

    // Gradients (3, 0) and (0, 4): one vector of norm 5.
    // Clipped to 1: scaled by 1 / (5 + 1e-6) -> (0.59999988, 0), (0, 0.79999984) as in torch.
    QTest::newRow("above: scaled to the maximum")
            << 1.0 << Floats { 0.59999988f, 0 } << Floats { 0, 0.79999984f };
    QTest::newRow("equal: untouched") << 5.0 << Floats { 3, 0 } << Floats { 0, 4 };
    QTest::newRow("below: untouched") << 10.0 << Floats { 3, 0 } << Floats { 0, 4 };
}

void TstOptimizers::clipping()
{
    QFETCH(double, maxNorm);
    QFETCH(Floats, expectedA);
    QFETCH(Floats, expectedB);
    nn::Parameter a = makeParameter(m_cpu, "a", { 0, 0 });
    nn::Parameter b = makeParameter(m_cpu, "b", { 0, 0 });
    a.grad.upload(Floats { 3, 0 });
    b.grad.upload(Floats { 0, 4 });
    const double norm = nn::clipGradientNorm({ &a, &b }, maxNorm);
    QCOMPARE(norm, 5.0); // before clipping
    // 1e-7: one float rounding of the scale factor, nothing more.
    TS_COMPARE_FLOATS(a.grad.toHost(), expectedA, 1e-7, 0);
    TS_COMPARE_FLOATS(b.grad.toHost(), expectedB, 1e-7, 0);
    const double after = std::sqrt(m_cpu.sumOfSquares(a.grad) + m_cpu.sumOfSquares(b.grad));
    QVERIFY(test::fuzzyEqual(after, std::min(maxNorm, 5.0), 1e-6, 0));
}

void TstOptimizers::stateIsNamedPerParameterAndSlot()
{
    nn::Parameter w = makeParameter(m_cpu, "dense1.weight", { 1, 2 });
    nn::Parameter b = makeParameter(m_cpu, "dense1.bias", { 3 });
    auto names = [](nn::Optimizer& o) {
        std::vector<std::string> list;
        for (const auto& [name, tensor] : o.state())
            list.push_back(name);
        return list;
    };
    nn::Sgd sgd({ &w, &b }, { 0.1f, 0.9f });
    QCOMPARE(names(sgd),
             (std::vector<std::string> { "dense1.weight.velocity", "dense1.bias.velocity" }));
    nn::Adam adam({ &w, &b }, {});
    QCOMPARE(names(adam),
             (std::vector<std::string> { "dense1.weight.adam_m", "dense1.bias.adam_m",
                                         "dense1.weight.adam_v", "dense1.bias.adam_v" }));
    // The tensors are the live state: after one SGD step the velocity is the gradient.
    w.grad.upload(Floats { 0.5f, -1 });
    b.grad.upload(Floats { 2 });
    sgd.step();
    QCOMPARE(sgd.state()[0].second->toHost(), (Floats { 0.5f, -1 }));
    QCOMPARE(sgd.state()[0].second->shape(), w.value.shape());
}

void TstOptimizers::restoredStateContinuesTheSameUpdates()
{
    // A checkpoint saves state() and stepCount(); a new optimizer that gets both back makes the
    // same next update (Adam's bias correction depends on the step count).
    const Steps grads = { { 0.5f, -1 }, { 0.1f, 0.2f } };
    nn::Parameter original = makeParameter(m_cpu, "w", { 1, -2 });
    nn::Adam first({ &original }, {});
    first.setLearningRate(0.1f);
    const Steps reference = runSteps(first, original, grads);

    nn::Parameter resumed = makeParameter(m_cpu, "w", reference[0]);
    nn::Parameter replay = makeParameter(m_cpu, "w", { 1, -2 });
    nn::Adam warm({ &replay }, {});
    warm.setLearningRate(0.1f);
    runSteps(warm, replay, { grads[0] });
    nn::Adam restored({ &resumed }, {});
    restored.setLearningRate(0.1f);
    auto saved = warm.state();
    auto target = restored.state();
    for (size_t i = 0; i < saved.size(); ++i)
        target[i].second->upload(saved[i].second->toHost());
    restored.setStepCount(warm.stepCount());
    QCOMPARE(runSteps(restored, resumed, { grads[1] })[0], reference[1]);
}

void TstOptimizers::factoryBuildsEveryType()
{
    QCOMPARE(nn::knownOptimizerTypes(), (std::vector<std::string> { "sgd", "adam", "adamw" }));
    nn::Parameter p = makeParameter(m_cpu, "w", { 1 });
    nn::OptimizerSpec spec;
    spec.learningRate = 0.5f;
    spec.momentum = 0.9f;
    spec.nesterov = true;
    auto sgd = nn::buildOptimizer(spec, { &p });
    const auto* asSgd = dynamic_cast<nn::Sgd*>(sgd.get());
    QVERIFY(asSgd);
    QVERIFY(asSgd->options().nesterov);
    QCOMPARE(sgd->learningRate(), 0.5f);
    QCOMPARE(sgd->stepCount(), int64_t(0));
    for (const char* type : { "adam", "adamw" }) {
        spec.type = type;
        spec.beta2 = 0.99f;
        auto built = nn::buildOptimizer(spec, { &p });
        const auto* asAdam = dynamic_cast<nn::Adam*>(built.get());
        QVERIFY(asAdam);
        QCOMPARE(asAdam->options().beta2, 0.99f);
        QCOMPARE(asAdam->options().decoupledWeightDecay, spec.type == "adamw");
    }
}

QTEST_APPLESS_MAIN(TstOptimizers)
#include "tst_optimizers.moc"
