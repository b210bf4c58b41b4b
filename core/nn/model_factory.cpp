#include "nn/model_factory.h"

#include "common/assert.h"
#include "nn/batch_norm.h"
#include "nn/conv2d.h"
#include "nn/dense.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/pool2d.h"
#include "nn/relu.h"
#include "nn/residual_block.h"

namespace ts::nn {

using common::Error;
using common::ErrorKind;
using common::Result;

namespace {

std::string numbered(const char* stem, size_t index)
{
    return stem + std::to_string(index);
}

// The image flowing through the convolutional part: height x width x channels.
struct ImageSize
{
    int64_t height = 0;
    int64_t width = 0;
    int64_t channels = 0;
};

bool isConvolutional(const std::string& type)
{
    return type == "cnn" || type == "resnet";
}

// The size after every convolution and pooling of a "cnn" spec; false when it vanishes.
bool cnnOutputSize(const ModelSpec& spec, ImageSize& image, std::string& problem)
{
    for (size_t i = 0; i < spec.conv.size(); ++i) {
        const ConvSpec& c = spec.conv[i];
        image.height = Conv2d::outputSize(image.height, c.kernel, c.stride, c.padding, 1);
        image.width = Conv2d::outputSize(image.width, c.kernel, c.stride, c.padding, 1);
        image.channels = c.filters;
        if (spec.pool != "none") {
            image.height = Conv2d::outputSize(image.height, spec.poolSize, spec.poolSize, 0, 1);
            image.width = Conv2d::outputSize(image.width, spec.poolSize, spec.poolSize, 0, 1);
        }
        if (image.height < 1 || image.width < 1) {
            problem = "convolution " + std::to_string(i + 1) + " (with its pooling) leaves no "
                    + "pixels; use fewer convolutions, smaller kernels or padding";
            return false;
        }
    }
    return true;
}

void addDenseStack(Sequential& model, tensor::Backend& backend, const ModelSpec& spec,
                   int64_t inputs, int64_t classes, uint64_t seed)
{
    int64_t width = inputs;
    size_t index = 1;
    for (int64_t hidden : spec.hidden) {
        const std::string name = numbered("dense", index);
        model.add(std::make_unique<Dense>(name, backend, width, hidden));
        model.add(std::make_unique<Relu>(name + "_relu", backend));
        if (spec.dropout > 0)
            model.add(std::make_unique<Dropout>(name + "_dropout", backend, spec.dropout,
                                                seed + 1000 + index));
        width = hidden;
        ++index;
    }
    model.add(std::make_unique<Dense>("head", backend, width, classes));
}

void addCnn(Sequential& model, tensor::Backend& backend, const ModelSpec& spec, ImageSize image)
{
    for (size_t i = 0; i < spec.conv.size(); ++i) {
        const ConvSpec& c = spec.conv[i];
        const std::string name = numbered("conv", i + 1);
        model.add(std::make_unique<Conv2d>(name, backend, image.channels, c.filters, c.kernel,
                                           c.stride, c.padding, 1, !spec.batchNorm));
        if (spec.batchNorm)
            model.add(std::make_unique<BatchNorm>(name + "_bn", backend, c.filters));
        model.add(std::make_unique<Relu>(name + "_relu", backend));
        if (spec.pool == "max")
            model.add(std::make_unique<MaxPool2d>(name + "_pool", backend, spec.poolSize,
                                                  spec.poolSize));
        else if (spec.pool == "avg")
            model.add(std::make_unique<AvgPool2d>(name + "_pool", backend, spec.poolSize,
                                                  spec.poolSize));
        image.channels = c.filters;
    }
    model.add(std::make_unique<Flatten>("flatten"));
}

// Conv3x3-BN-ReLU-Conv3x3-BN, and a 1x1 projection when the shape changes.
std::unique_ptr<ResidualBlock> basicBlock(const std::string& name, tensor::Backend& backend,
                                          int64_t in, int64_t out, int64_t stride)
{
    auto main = std::make_unique<Sequential>();
    main->add(std::make_unique<Conv2d>(name + ".conv1", backend, in, out, 3, stride, 1, 1, false));
    main->add(std::make_unique<BatchNorm>(name + ".bn1", backend, out));
    main->add(std::make_unique<Relu>(name + ".relu1", backend));
    main->add(std::make_unique<Conv2d>(name + ".conv2", backend, out, out, 3, 1, 1, 1, false));
    main->add(std::make_unique<BatchNorm>(name + ".bn2", backend, out));
    std::unique_ptr<Sequential> shortcut;
    if (stride != 1 || in != out) {
        shortcut = std::make_unique<Sequential>();
        shortcut->add(std::make_unique<Conv2d>(name + ".shortcut", backend, in, out, 1, stride, 0,
                                               1, false));
        shortcut->add(std::make_unique<BatchNorm>(name + ".shortcut_bn", backend, out));
    }
    return std::make_unique<ResidualBlock>(name, backend, std::move(main), std::move(shortcut));
}

void addResnet(Sequential& model, tensor::Backend& backend, const ModelSpec& spec, ImageSize image)
{
    model.add(std::make_unique<Conv2d>("stem", backend, image.channels, spec.width, 3, 1, 1, 1,
                                       false));
    model.add(std::make_unique<BatchNorm>("stem_bn", backend, spec.width));
    model.add(std::make_unique<Relu>("stem_relu", backend));
    int64_t channels = spec.width;
    for (size_t stage = 0; stage < spec.blocks.size(); ++stage) {
        const int64_t out = spec.width << stage;
        for (int64_t b = 0; b < spec.blocks[stage]; ++b) {
            const int64_t stride = stage > 0 && b == 0 ? 2 : 1;
            model.add(basicBlock("stage" + std::to_string(stage + 1) + ".block"
                                         + std::to_string(b + 1),
                                 backend, channels, out, stride));
            channels = out;
        }
    }
    model.add(std::make_unique<GlobalAvgPool>("avgpool", backend));
}

} // namespace

const std::vector<std::string>& knownModelTypes()
{
    static const std::vector<std::string> types { "mlp", "logistic_regression", "cnn", "resnet" };
    return types;
}

Result checkModelFits(const ModelSpec& spec, const std::vector<int64_t>& sampleShape)
{
    if (!isConvolutional(spec.type))
        return {};
    if (sampleShape.size() != 3)
        return Error(ErrorKind::InvalidInput,
                     "model type '" + spec.type + "' needs image input (height x width x "
                             + "channels), but the source gives rows of features; use an image "
                             + "source (IDX) or the mlp model");
    ImageSize image { sampleShape[0], sampleShape[1], sampleShape[2] };
    std::string problem;
    if (spec.type == "cnn" && !cnnOutputSize(spec, image, problem))
        return Error(ErrorKind::InvalidInput,
                     "model 'cnn' does not fit " + std::to_string(sampleShape[0]) + "x"
                             + std::to_string(sampleShape[1]) + " images: " + problem);
    return {};
}

std::unique_ptr<Sequential> buildModel(const ModelSpec& spec, tensor::Backend& backend,
                                       const std::vector<int64_t>& sampleShape, int64_t classes,
                                       uint64_t seed)
{
    TS_ASSERT(checkModelFits(spec, sampleShape).ok());
    auto model = std::make_unique<Sequential>();
    int64_t features = 1;
    for (int64_t d : sampleShape)
        features *= d;
    if (spec.type == "logistic_regression") {
        model->add(std::make_unique<Dense>("head", backend, features, classes));
    } else if (spec.type == "mlp") {
        addDenseStack(*model, backend, spec, features, classes, seed);
    } else if (spec.type == "cnn") {
        ImageSize image { sampleShape[0], sampleShape[1], sampleShape[2] };
        addCnn(*model, backend, spec, image);
        std::string unused;
        cnnOutputSize(spec, image, unused);
        addDenseStack(*model, backend, spec, image.height * image.width * image.channels, classes,
                      seed);
    } else {
        TS_ASSERT(spec.type == "resnet");
        addResnet(*model, backend, spec, { sampleShape[0], sampleShape[1], sampleShape[2] });
        const int64_t channels =
                spec.blocks.empty() ? spec.width : spec.width << (spec.blocks.size() - 1);
        model->add(std::make_unique<Dense>("head", backend, channels, classes));
    }
    initialize(*model, spec.init, seed);
    return model;
}

std::unique_ptr<Sequential> buildModel(const ModelSpec& spec, tensor::Backend& backend,
                                       int64_t inputs, int64_t classes, uint64_t seed)
{
    return buildModel(spec, backend, std::vector<int64_t> { inputs }, classes, seed);
}

} // namespace ts::nn
