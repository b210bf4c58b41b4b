// A trainable tensor and its gradient, named so that later features (freezing, splitting a model
// across ranks, checkpoints) can address it: "dense1.weight".
#pragma once

#include "tensor/tensor.h"

#include <string>

namespace ts::nn {

struct Parameter
{
    std::string name;
    tensor::Tensor value;
    tensor::Tensor grad; // same shape as value; overwritten by every backward pass
};

} // namespace ts::nn
