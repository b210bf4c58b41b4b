// Our side of tests/bench/bench_forest.py: fits a random forest on the first --rows Fashion-MNIST
// training images with --workers threads and prints one JSON line: fit seconds (binning
// included), test accuracy on the 10,000 test images, trees and mean depth.
//
// usage: bench_forest [--rows 20000] [--trees 100] [--workers 1] [--seed 0]
#include "data/idx_reader.h"
#include "forest/random_forest.h"

#include <chrono>
#include <cstdio>
#include <string>

using namespace ts;

namespace {

data::Dataset load(const std::string& images, const std::string& labels, int64_t rows)
{
    const std::string folder = "/usr/share/datasets/fashion-mnist/";
    auto d = data::readIdxDataset(folder + images, folder + labels);
    if (!d) {
        std::fprintf(stderr, "%s\n", d.error().message().c_str());
        std::exit(2);
    }
    d->rows = std::min(rows, d->rows);
    d->features.resize(size_t(d->rows * d->cols));
    d->labels.resize(size_t(d->rows));
    for (float& v : d->features)
        v /= 255.0f; // as the peer sees them
    return std::move(*d);
}

} // namespace

int main(int argc, char** argv)
{
    int64_t rows = 20000;
    forest::ForestParams params;
    int workers = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--rows")
            rows = std::stoll(value);
        else if (flag == "--trees")
            params.trees = std::stoi(value);
        else if (flag == "--workers")
            workers = std::stoi(value);
        else if (flag == "--seed")
            params.seed = std::stoull(value);
    }
    const data::Dataset train =
            load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", rows);
    const data::Dataset test =
            load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000);
    const auto start = std::chrono::steady_clock::now();
    const forest::RandomForest forest = forest::RandomForest::fit(train, params, workers);
    const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double depth = 0;
    for (const auto& tree : forest.trees())
        depth += tree.depth();
    std::printf(
            "{\"fit_seconds\": %.4f, \"accuracy\": %.4f, \"trees\": %zu, \"mean_depth\": %.1f}\n",
            seconds, forest.accuracy(test), forest.trees().size(),
            depth / double(forest.trees().size()));
    return 0;
}
