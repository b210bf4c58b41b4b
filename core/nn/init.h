// Weight initialisation with a fixed seed, so a run is reproducible bit for bit on one backend.
//
// He (Kaiming) uniform suits layers followed by ReLU: U(-a, a) with a = sqrt(6 / fanIn).
// Xavier (Glorot) uniform suits linear or saturating outputs: a = sqrt(6 / (fanIn + fanOut)).
// Values come from our own generator (not std::uniform_real_distribution, whose output differs
// between standard libraries), so the same seed gives the same model everywhere.
#pragma once

#include "nn/sequential.h"

#include <cstdint>

namespace ts::nn {

enum class InitScheme { He, Xavier };

// Fills every Dense and Conv2d weight of `model`, including those inside ResidualBlocks (biases
// become zero); the i-th such layer, in depth-first order, draws from seed + i. For a
// convolution fanIn = kernel^2 * inChannels and fanOut = kernel^2 * outChannels. Batch-norm
// layers keep the gamma = 1, beta = 0 they are built with.
void initialize(Sequential& model, InitScheme scheme, uint64_t seed);

} // namespace ts::nn
