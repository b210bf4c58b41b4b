// Model specs: the declarative description of a network that a pipeline names, and the factory
// that builds it on a backend.
//
// Kinds in this release:
//   "mlp"                  Dense+ReLU for every entry of `hidden`, then Dense to the classes
//   "logistic_regression"  one Dense layer to the classes (softmax is in the loss)
// Layers are named dense1, relu1, dense2, ... so they can be addressed later (freezing, splits).
#pragma once

#include "nn/init.h"
#include "nn/sequential.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ts::nn {

struct ModelSpec
{
    std::string type = "mlp";
    std::vector<int64_t> hidden; // widths of the hidden layers (mlp only)
    InitScheme init = InitScheme::He;
};

// The model kinds the factory knows, for validation messages.
const std::vector<std::string>& knownModelTypes();

// Builds the network for `inputs` features and `classes` outputs, initialised with `seed`.
// The spec must have been validated (the pipeline parser does that).
std::unique_ptr<Sequential> buildModel(const ModelSpec& spec, tensor::Backend& backend,
                                       int64_t inputs, int64_t classes, uint64_t seed);

} // namespace ts::nn
