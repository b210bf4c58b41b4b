// Test support: small data sets with a learnable class.
#pragma once

#include "data/dataset.h"

#include <random>

namespace ts::testing {

// `rows` rows of `features` normal values whose class (of `classes`) is the index of the largest
// of the first `classes` features.
inline data::Dataset separableRows(int64_t rows, int64_t features = 20, int64_t classes = 4,
                                   uint64_t seed = 17)
{
    data::Dataset d;
    d.rows = rows;
    d.cols = features;
    d.classCount = classes;
    std::mt19937_64 g(seed);
    std::normal_distribution<float> value(0.0f, 1.0f);
    for (int64_t i = 0; i < rows; ++i) {
        int best = 0;
        for (int64_t c = 0; c < features; ++c) {
            d.features.push_back(value(g));
            if (c < classes && d.features.back() > d.features[size_t(i * features + best)])
                best = int(c);
        }
        d.labels.push_back(float(best));
    }
    return d;
}

} // namespace ts::testing
