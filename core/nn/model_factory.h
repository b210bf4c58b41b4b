// Model specs: the declarative description of a network that a pipeline names, and the factory
// that builds it on a backend.
//
// Kinds:
//   "logistic_regression"  one Dense layer to the classes (softmax is in the loss)
//   "mlp"                  Dense + ReLU (+ Dropout) for every entry of `hidden`, then Dense
//   "cnn"                  for every entry of `conv`: Conv2d (+ BatchNorm) + ReLU (+ pool);
//                          then Flatten, the `hidden` Dense layers and the output Dense
//   "resnet"               stem Conv3x3-BN-ReLU, then stages of basic residual blocks
//                          (Conv3x3-BN-ReLU-Conv3x3-BN plus shortcut, then ReLU); each stage
//                          after the first halves the resolution and doubles the channels;
//                          global average pooling and the output Dense. `blocks` [2, 2, 2]
//                          gives ResNet-14 (2 + 2 * 6 layers with weights).
// Layers get stable names (dense1, dense1_relu, conv2_pool, stage2.block1.conv2, head) so later
// features can address them: freezing, replacing the head, splitting the model across ranks,
// checkpoints. The output layer is always "head".
#pragma once

#include "common/result.h"
#include "nn/init.h"
#include "nn/sequential.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ts::nn {

struct ConvSpec
{
    int64_t filters = 32;
    int64_t kernel = 3;
    int64_t stride = 1;
    int64_t padding = 0;
};

struct ModelSpec
{
    std::string type = "mlp";
    std::vector<int64_t> hidden; // mlp, cnn: widths of the hidden Dense layers
    std::vector<ConvSpec> conv;  // cnn
    std::string pool = "max";    // cnn: "max", "avg" or "none" after every convolution
    int64_t poolSize = 2;        // cnn: pooling window and stride
    bool batchNorm = false;      // cnn: BatchNorm after every convolution
    float dropout = 0.0f;        // mlp, cnn: Dropout after every hidden Dense layer
    std::vector<int64_t> blocks; // resnet: basic blocks per stage
    int64_t width = 16;          // resnet: channels of the first stage
    InitScheme init = InitScheme::He;
};

// The model kinds the factory knows, for validation messages.
const std::vector<std::string>& knownModelTypes();

// Checks that `spec` can be built for samples of `sampleShape` ({features} for tables,
// {height, width, channels} for images): convolutional kinds need images, and every
// convolution and pooling must leave at least one pixel. InvalidInput says what does not fit.
common::Result checkModelFits(const ModelSpec& spec, const std::vector<int64_t>& sampleShape);

// Builds and initialises the network; the spec must fit (checkModelFits).
std::unique_ptr<Sequential> buildModel(const ModelSpec& spec, tensor::Backend& backend,
                                       const std::vector<int64_t>& sampleShape, int64_t classes,
                                       uint64_t seed);

// For table inputs of `inputs` features.
std::unique_ptr<Sequential> buildModel(const ModelSpec& spec, tensor::Backend& backend,
                                       int64_t inputs, int64_t classes, uint64_t seed);

} // namespace ts::nn
