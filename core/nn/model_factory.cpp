#include "nn/model_factory.h"

#include "common/assert.h"
#include "nn/dense.h"
#include "nn/relu.h"

namespace ts::nn {

const std::vector<std::string>& knownModelTypes()
{
    static const std::vector<std::string> types { "mlp", "logistic_regression" };
    return types;
}

std::unique_ptr<Sequential> buildModel(const ModelSpec& spec, tensor::Backend& backend,
                                       int64_t inputs, int64_t classes, uint64_t seed)
{
    TS_ASSERT(spec.type == "mlp" || spec.type == "logistic_regression");
    auto model = std::make_unique<Sequential>();
    int64_t width = inputs;
    int index = 1;
    if (spec.type == "mlp") {
        for (int64_t hidden : spec.hidden) {
            model->add(std::make_unique<Dense>("dense" + std::to_string(index), backend, width,
                                               hidden));
            model->add(std::make_unique<Relu>("relu" + std::to_string(index), backend));
            width = hidden;
            ++index;
        }
    }
    model->add(std::make_unique<Dense>("dense" + std::to_string(index), backend, width, classes));
    initialize(*model, spec.init, seed);
    return model;
}

} // namespace ts::nn
