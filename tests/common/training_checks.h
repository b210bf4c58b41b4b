// Test support for the distributed training tests: the optimizers they train with and how far
// two sets of weights are apart.
#pragma once

#include "nn/optimizer_factory.h"

#include <QtCore/QString>

#include <algorithm>
#include <cmath>
#include <vector>

namespace ts::testing {

// "sgd" (rate 0.05, momentum 0.9) or "adam" (rate 0.01).
inline nn::OptimizerSpec optimizerNamed(const QString& name)
{
    nn::OptimizerSpec spec;
    spec.type = name.toStdString();
    spec.learningRate = spec.type == "sgd" ? 0.05f : 0.01f;
    spec.momentum = spec.type == "sgd" ? 0.9f : 0.0f;
    return spec;
}

// max |a - b| / max |b| over one tensor.
inline double relativeError(const std::vector<float>& a, const std::vector<float>& b)
{
    double diff = 0, scale = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
        scale = std::max(scale, std::abs(double(b[i])));
    }
    return diff / std::max(scale, 1e-12);
}

} // namespace ts::testing
