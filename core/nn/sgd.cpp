#include "nn/sgd.h"

namespace ts::nn {

Sgd::Sgd(std::vector<Parameter*> parameters, SgdOptions options)
    : m_parameters(std::move(parameters))
    , m_options(options)
{
    for (Parameter* p : m_parameters)
        m_velocity.push_back(tensor::Tensor::zeros(p->value.backend(), p->value.shape()));
}

void Sgd::step()
{
    for (size_t i = 0; i < m_parameters.size(); ++i) {
        Parameter& p = *m_parameters[i];
        p.value.backend().sgdMomentumStep(p.value, p.grad, m_velocity[i], m_options.learningRate,
                                          m_options.momentum, m_options.weightDecay, false);
    }
}

} // namespace ts::nn
