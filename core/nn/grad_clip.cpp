#include "nn/grad_clip.h"

#include "common/assert.h"

#include <cmath>

namespace ts::nn {

double clipGradientNorm(const std::vector<Parameter*>& parameters, double maxNorm)
{
    TS_ASSERT(maxNorm > 0);
    double sumOfSquares = 0;
    for (const Parameter* p : parameters)
        sumOfSquares += p->grad.backend().sumOfSquares(p->grad);
    const double norm = std::sqrt(sumOfSquares);
    // A non-finite norm is left for the loss to show: scaling by 0 would turn inf into NaN.
    if (std::isfinite(norm) && norm > maxNorm) {
        // torch's epsilon, so clipped gradients match its values.
        const auto factor = float(maxNorm / (norm + 1e-6));
        for (Parameter* p : parameters)
            p->grad.backend().scale(p->grad, factor);
    }
    return norm;
}

} // namespace ts::nn
