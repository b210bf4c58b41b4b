// Optimizer specs: the declarative optimizer a pipeline names, with its learning-rate schedule
// and gradient clipping, and the factory that builds it.
//
// Types in this release (fields that apply):
//   "sgd"    learningRate, momentum, nesterov, weightDecay        (nn/sgd.h)
//   "adam"   learningRate, beta1, beta2, epsilon, weightDecay     (nn/adam.h, L2 in the gradient)
//   "adamw"  the same, weight decay decoupled from the gradient   (nn/adam.h)
// Every type takes a schedule (nn/lr_schedule.h) and clipNorm (nn/grad_clip.h), which the
// trainer applies around Optimizer::step().
#pragma once

#include "nn/lr_schedule.h"
#include "nn/optimizer.h"

#include <memory>
#include <string>
#include <vector>

namespace ts::nn {

struct OptimizerSpec
{
    std::string type = "sgd";
    float learningRate = 0.01f; // the base rate that the schedule scales
    float momentum = 0.0f;      // sgd
    bool nesterov = false;      // sgd, with momentum > 0
    float weightDecay = 0.0f;
    float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f; // adam, adamw
    ScheduleSpec schedule;
    double clipNorm = 0.0; // maximum L2 norm of all gradients together; 0 = off
};

// The optimizer types the factory knows, for validation messages: "sgd", "adam", "adamw".
const std::vector<std::string>& knownOptimizerTypes();

// Builds the optimizer of `parameters` at the base learning rate and step 0. The spec must have
// been validated (the pipeline parser does that); an unknown type is an internal error.
std::unique_ptr<Optimizer> buildOptimizer(const OptimizerSpec& spec,
                                          std::vector<Parameter*> parameters);

} // namespace ts::nn
