// Dataset: a table of float features and integer class labels held in host memory.
//
// Readers (IDX, CSV) produce it, prep transforms rewrite its features in place, and the batcher
// copies rows of it into backend tensors. Features are rows x cols, row-major.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ts::data {

struct Dataset
{
    int64_t rows = 0;
    int64_t cols = 0;
    std::vector<float> features; // rows * cols values
    std::vector<float> labels;   // rows class indices in [0, classCount)
    int64_t classCount = 0;
    // The shape of one sample's features: {height, width, channels} for images (NHWC, so a
    // batch tensor is batch x height x width x channels), {cols} for tables. Empty = {cols}.
    std::vector<int64_t> sampleShape;
    std::vector<std::string> columnNames; // feature names when the source has them (CSV header)
    std::string origin;                   // where it came from, for messages ("train.csv")

    const float* row(int64_t i) const { return features.data() + i * cols; }
};

} // namespace ts::data
