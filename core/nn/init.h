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

// Fills every Dense weight of `model` (biases become zero); layer i draws from seed + i.
void initialize(Sequential& model, InitScheme scheme, uint64_t seed);

} // namespace ts::nn
