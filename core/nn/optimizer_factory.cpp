#include "nn/optimizer_factory.h"

#include "common/assert.h"
#include "nn/adam.h"
#include "nn/sgd.h"

namespace ts::nn {

const std::vector<std::string>& knownOptimizerTypes()
{
    static const std::vector<std::string> types { "sgd", "adam", "adamw" };
    return types;
}

std::unique_ptr<Optimizer> buildOptimizer(const OptimizerSpec& spec,
                                          std::vector<Parameter*> parameters)
{
    if (spec.type == "sgd") {
        SgdOptions options;
        options.learningRate = spec.learningRate;
        options.momentum = spec.momentum;
        options.weightDecay = spec.weightDecay;
        options.nesterov = spec.nesterov;
        return std::make_unique<Sgd>(std::move(parameters), options);
    }
    TS_ASSERT(spec.type == "adam" || spec.type == "adamw");
    tensor::AdamOptions options;
    options.learningRate = spec.learningRate;
    options.beta1 = spec.beta1;
    options.beta2 = spec.beta2;
    options.epsilon = spec.epsilon;
    options.weightDecay = spec.weightDecay;
    options.decoupledWeightDecay = spec.type == "adamw";
    return std::make_unique<Adam>(std::move(parameters), options);
}

} // namespace ts::nn
