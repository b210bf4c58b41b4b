// Optimizer: the one interface the trainer drives, whatever the update rule (SGD, Adam, AdamW).
//
// An optimizer owns no parameters: it keeps pointers to the model's, plus one or more state
// tensors per parameter (momentum, Adam moments). The learning rate is not fixed at
// construction: a schedule (lr_schedule.h) sets it before every step.
//
// @code
//     auto optimizer = buildOptimizer(spec, model.parameters());   // optimizer_factory.h
//     for (int64_t t = 0; t < totalSteps; ++t) {
//         model.backward(lossGrad);                                 // fills every p->grad
//         optimizer->setLearningRate(learningRateAt(spec.schedule, spec.learningRate,
//                                                   optimizer->stepCount(), totalSteps));
//         if (spec.clipNorm > 0)
//             clipGradientNorm(optimizer->parameters(), spec.clipNorm);
//         optimizer->step();                                        // stepCount() == t + 1
//     }
// @endcode
//
// Checkpoints save state() (tensors named "<parameter>.<slot>", e.g. "dense1.weight.velocity")
// and stepCount(); restoring both resumes the exact update sequence (Adam's bias correction
// depends on the step count).
//
// THREAD SAFETY: an optimizer is used by one thread at a time, like its backend.
#pragma once

#include "nn/parameter.h"

#include <cstdint>
#include <string>
#include <utility> // for std::pair
#include <vector>

namespace ts::nn {

class Optimizer
{
public:
    using NamedState = std::vector<std::pair<std::string, tensor::Tensor*>>;

    virtual ~Optimizer() = default;
    Optimizer(const Optimizer&) = delete;
    Optimizer& operator=(const Optimizer&) = delete;

    // Applies one update from the gradients of the last backward pass, then counts it.
    virtual void step() = 0;
    // Every state tensor, named "<parameter name>.<slot>", for checkpoints to save and restore
    // in place. The pointers stay valid for the optimizer's lifetime.
    virtual NamedState state() = 0;

    // The learning rate of the next step().
    float learningRate() const { return m_learningRate; }
    void setLearningRate(float learningRate) { m_learningRate = learningRate; }
    // Updates applied so far (0 before the first step); set it when restoring a checkpoint.
    int64_t stepCount() const { return m_stepCount; }
    void setStepCount(int64_t steps) { m_stepCount = steps; }
    const std::vector<Parameter*>& parameters() const { return m_parameters; }

protected:
    Optimizer(std::vector<Parameter*> parameters, float learningRate)
        : m_parameters(std::move(parameters))
        , m_learningRate(learningRate)
    {}

    // One zero tensor per parameter, of its shape and on its backend (a fresh state slot).
    std::vector<tensor::Tensor> zeroSlots() const
    {
        std::vector<tensor::Tensor> tensors;
        tensors.reserve(m_parameters.size());
        for (const Parameter* p : m_parameters)
            tensors.push_back(tensor::Tensor::zeros(p->value.backend(), p->value.shape()));
        return tensors;
    }

    // Appends "<parameter name>.<slot>" for every tensor of `tensors` to `out`.
    void nameSlots(std::vector<tensor::Tensor>& tensors, const std::string& slot,
                   NamedState& out) const
    {
        for (size_t i = 0; i < tensors.size(); ++i)
            out.emplace_back(m_parameters[i]->name + "." + slot, &tensors[i]);
    }

    void countStep() { ++m_stepCount; }

private:
    std::vector<Parameter*> m_parameters;
    float m_learningRate;
    int64_t m_stepCount = 0;
};

} // namespace ts::nn
