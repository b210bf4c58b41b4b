#include "nn/sgd.h"

#include "common/assert.h"

namespace ts::nn {

Sgd::Sgd(std::vector<Parameter*> parameters, SgdOptions options)
    : Optimizer(std::move(parameters), options.learningRate)
    , m_velocity(zeroSlots())
    , m_options(options)
{
    TS_ASSERT(!options.nesterov || options.momentum > 0.0f);
}

void Sgd::step()
{
    const auto& params = parameters();
    for (size_t i = 0; i < params.size(); ++i) {
        Parameter& p = *params[i];
        p.value.backend().sgdMomentumStep(p.value, p.grad, m_velocity[i], learningRate(),
                                          m_options.momentum, m_options.weightDecay,
                                          m_options.nesterov);
    }
    countStep();
}

Optimizer::NamedState Sgd::state()
{
    NamedState named;
    nameSlots(m_velocity, "velocity", named);
    return named;
}

} // namespace ts::nn
