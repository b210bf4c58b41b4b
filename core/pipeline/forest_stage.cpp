// The "random_forest" model of the train stage (pipeline_spec.h).
#include "pipeline/stage_readers.h"

namespace ts::pipeline::detail {

forest::ForestParams readForest(ObjectReader& model)
{
    forest::ForestParams params;
    const int64_t hundred = 100, none = 0, two = 2, one = 1;
    params.trees = static_cast<int>(model.integer("trees", 1, 100000, &hundred));
    const std::string gini = "gini";
    params.tree.criterion = model.choice("criterion", { "gini", "entropy" }, &gini);
    params.tree.maxDepth = static_cast<int>(model.integer("maxDepth", 0, 1000, &none));
    params.tree.minSamplesSplit = model.integer("minSamplesSplit", 2, 1'000'000'000, &two);
    params.tree.minSamplesLeaf = model.integer("minSamplesLeaf", 1, 1'000'000'000, &one);
    if (const json* bootstrap = model.optional("bootstrap")) {
        if (!bootstrap->is_boolean())
            throw FieldError { model.pathOf("bootstrap"), "must be true or false" };
        params.tree.bootstrap = bootstrap->get<bool>();
    }
    // "sqrt" (scikit-learn's default for classifiers), "all", or a count.
    if (const json* features = model.optional("maxFeatures")) {
        if (features->is_string() && (*features == "sqrt" || *features == "all"))
            params.tree.maxFeatures = *features == "all" ? 1'000'000'000 : 0;
        else if (features->is_number_integer() && features->get<int64_t>() >= 1)
            params.tree.maxFeatures = features->get<int64_t>();
        else
            throw FieldError { model.pathOf("maxFeatures"),
                               "must be \"sqrt\", \"all\" or a count of at least 1" };
    }
    model.finish();
    return params;
}

} // namespace ts::pipeline::detail
