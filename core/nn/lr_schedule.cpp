#include "nn/lr_schedule.h"

#include "common/assert.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace ts::nn {

const std::vector<std::string>& knownScheduleTypes()
{
    static const std::vector<std::string> types { "constant", "step", "cosine" };
    return types;
}

float learningRateAt(const ScheduleSpec& schedule, float base, int64_t step, int64_t totalSteps)
{
    if (step < schedule.warmupSteps)
        return float(double(base) * double(step) / double(schedule.warmupSteps));
    const int64_t s = step - schedule.warmupSteps;
    if (schedule.type == "step") {
        TS_ASSERT(schedule.stepSize >= 1);
        return float(double(base)
                     * std::pow(double(schedule.gamma), double(s / schedule.stepSize)));
    }
    if (schedule.type == "cosine") {
        const int64_t span = totalSteps - schedule.warmupSteps;
        // Past the end (or no steps after the warm-up) the rate rests at the minimum, where
        // torch's closed form would climb back up.
        const double progress = span > 0 ? std::min(double(s) / double(span), 1.0) : 1.0;
        const double low = schedule.minLearningRate;
        return float(low
                     + (double(base) - low) * (1.0 + std::cos(std::numbers::pi * progress)) / 2.0);
    }
    TS_ASSERT(schedule.type == "constant");
    return base;
}

} // namespace ts::nn
