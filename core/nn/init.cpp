#include "nn/init.h"

#include "nn/conv2d.h"
#include "nn/dense.h"
#include "nn/residual_block.h"

#include <cmath>
#include <random>
#include <vector>

namespace ts::nn {

namespace {

// Fills `weight` from U(-bound, bound) with its own generator, so that adding a layer never
// shifts the draws of the others.
void fillUniform(tensor::Tensor& weight, double fanIn, double fanOut, InitScheme scheme,
                 uint64_t seed)
{
    const double bound =
            scheme == InitScheme::He ? std::sqrt(6.0 / fanIn) : std::sqrt(6.0 / (fanIn + fanOut));
    std::mt19937_64 generator(seed);
    std::vector<float> values(static_cast<size_t>(weight.size()));
    for (float& v : values) {
        // 53 random bits -> [0, 1), then to [-bound, bound)
        const double unit = static_cast<double>(generator() >> 11) * 0x1.0p-53;
        v = static_cast<float>((2.0 * unit - 1.0) * bound);
    }
    weight.upload(values);
}

void zero(tensor::Tensor& t)
{
    if (!t.empty())
        t.backend().fill(t.data(), 0.0f, static_cast<size_t>(t.size()));
}

// Initialises the layers of `model` in order; `layerIndex` counts the initialised layers across
// nested blocks and gives each its seed offset.
void initializeLayers(const Sequential& model, InitScheme scheme, uint64_t seed,
                      uint64_t& layerIndex)
{
    for (const auto& layer : model.layers()) {
        if (auto* dense = dynamic_cast<Dense*>(layer.get())) {
            fillUniform(dense->weight().value, double(dense->inFeatures()),
                        double(dense->outFeatures()), scheme, seed + layerIndex++);
            zero(dense->bias().value);
        } else if (auto* conv = dynamic_cast<Conv2d*>(layer.get())) {
            // Each output sees kernel^2 * inC inputs; each input feeds kernel^2 * outC outputs.
            const double area = double(conv->kernel() * conv->kernel());
            fillUniform(conv->weight().value, area * double(conv->inChannels()),
                        area * double(conv->outChannels()), scheme, seed + layerIndex++);
            zero(conv->bias().value);
        } else if (auto* block = dynamic_cast<ResidualBlock*>(layer.get())) {
            initializeLayers(block->main(), scheme, seed, layerIndex);
            if (block->shortcut())
                initializeLayers(*block->shortcut(), scheme, seed, layerIndex);
        }
    }
}

} // namespace

void initialize(Sequential& model, InitScheme scheme, uint64_t seed)
{
    uint64_t layerIndex = 0;
    initializeLayers(model, scheme, seed, layerIndex);
}

} // namespace ts::nn
