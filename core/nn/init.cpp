#include "nn/init.h"

#include "nn/dense.h"

#include <cmath>
#include <random>
#include <vector>

namespace ts::nn {

void initialize(Sequential& model, InitScheme scheme, uint64_t seed)
{
    uint64_t layerIndex = 0;
    for (const auto& layer : model.layers()) {
        auto* dense = dynamic_cast<Dense*>(layer.get());
        if (!dense)
            continue;
        const double fanIn = static_cast<double>(dense->inFeatures());
        const double fanOut = static_cast<double>(dense->outFeatures());
        const double bound = scheme == InitScheme::He ? std::sqrt(6.0 / fanIn)
                                                      : std::sqrt(6.0 / (fanIn + fanOut));
        std::mt19937_64 generator(seed + layerIndex++);
        std::vector<float> values(static_cast<size_t>(dense->weight().value.size()));
        for (float& v : values) {
            // 53 random bits -> [0, 1), then to [-bound, bound)
            const double unit = static_cast<double>(generator() >> 11) * 0x1.0p-53;
            v = static_cast<float>((2.0 * unit - 1.0) * bound);
        }
        dense->weight().value.upload(values);
        auto& bias = dense->bias().value;
        bias.backend().fill(bias.data(), 0.0f, static_cast<size_t>(bias.size()));
    }
}

} // namespace ts::nn
