// Benchmark support: the first rows of a Fashion-MNIST split (Debian's dataset-fashion-mnist),
// pixels scaled to [0, 1] as the peers see them, as flat rows of 784 features. Exits naming the
// file when it cannot be read.
#pragma once

#include "data/idx_reader.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ts::bench {

inline data::Dataset fashionMnist(const std::string& split, int64_t rows)
{
    const std::string folder = "/usr/share/datasets/fashion-mnist/";
    auto d = data::readIdxDataset(folder + split + "-images-idx3-ubyte.gz",
                                  folder + split + "-labels-idx1-ubyte.gz");
    if (!d) {
        std::fprintf(stderr, "%s\n", d.error().message().c_str());
        std::exit(2);
    }
    d->rows = std::min(rows, d->rows);
    d->features.resize(size_t(d->rows * d->cols));
    d->labels.resize(size_t(d->rows));
    for (float& v : d->features)
        v /= 255.0f;
    d->sampleShape.clear();
    return std::move(*d);
}

} // namespace ts::bench
