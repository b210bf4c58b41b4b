// The host values of named tensors (parameters, buffers, optimizer state), for tests that compare
// whole models before and after a checkpoint or a resume.
#pragma once

#include "nn/checkpoint.h" // for captureTensors, TensorRefs

#include <vector>

namespace ts::test {

inline std::vector<std::vector<float>> valuesOf(const nn::TensorRefs& tensors)
{
    std::vector<std::vector<float>> values;
    for (const nn::NamedTensor& t : nn::captureTensors(tensors))
        values.push_back(t.values);
    return values;
}

} // namespace ts::test
