// Learning-rate schedules: the rate of optimizer step `step` (0-based: the number of updates
// already applied) as a pure function, so a resumed run gets the same rates from its step count.
//
//   warm-up (any type, warmupSteps > 0):  step < warmupSteps -> base * step / warmupSteps,
//                                         linear from 0 to base (transformers'
//                                         get_*_schedule_with_warmup); then, with
//                                         s = step - warmupSteps:
//   "constant"  base
//   "step"      base * gamma^floor(s / stepSize)    (torch StepLR, counted in optimizer steps)
//   "cosine"    minLearningRate + (base - minLearningRate) * (1 + cos(pi * s / T)) / 2,
//               T = totalSteps - warmupSteps        (torch CosineAnnealingLR, T_max = T,
//                                                    eta_min = minLearningRate); s >= T
//                                                    stays at minLearningRate
//
// @code
//     ScheduleSpec cosine { .type = "cosine", .warmupSteps = 100 };
//     learningRateAt(cosine, 0.1f, 50, 1100);    // 0.05: half-way through the warm-up
//     learningRateAt(cosine, 0.1f, 600, 1100);   // 0.05: half-way down the cosine
// @endcode
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ts::nn {

struct ScheduleSpec
{
    std::string type = "constant"; // one of knownScheduleTypes()
    int64_t stepSize = 1;          // step: steps between two decays
    float gamma = 0.1f;            // step: decay factor
    float minLearningRate = 0.0f;  // cosine: the rate at the end
    int64_t warmupSteps = 0;       // any type: steps of linear warm-up from 0
};

// The schedule types, for validation messages: "constant", "step", "cosine".
const std::vector<std::string>& knownScheduleTypes();

// The learning rate of the update that follows `step` updates, out of `totalSteps` in the run.
// The spec must have been validated (stepSize >= 1; the pipeline parser does that).
float learningRateAt(const ScheduleSpec& schedule, float base, int64_t step, int64_t totalSteps);

} // namespace ts::nn
