#include "nn/adam.h"

namespace ts::nn {

Adam::Adam(std::vector<Parameter*> parameters, tensor::AdamOptions options)
    : Optimizer(std::move(parameters), options.learningRate)
    , m_firstMoment(zeroSlots())
    , m_secondMoment(zeroSlots())
    , m_options(options)
{}

void Adam::step()
{
    tensor::AdamOptions o = m_options;
    o.learningRate = learningRate();
    o.step = stepCount() + 1; // bias correction counts from 1
    const auto& params = parameters();
    for (size_t i = 0; i < params.size(); ++i) {
        Parameter& p = *params[i];
        p.value.backend().adamStep(p.value, p.grad, m_firstMoment[i], m_secondMoment[i], o);
    }
    countStep();
}

Optimizer::NamedState Adam::state()
{
    NamedState named;
    nameSlots(m_firstMoment, "adam_m", named);
    nameSlots(m_secondMoment, "adam_v", named);
    return named;
}

} // namespace ts::nn
