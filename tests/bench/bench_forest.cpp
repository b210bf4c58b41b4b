// Our side of tests/bench/bench_forest.py: fits a random forest on the first --rows Fashion-MNIST
// training images with --workers threads and prints one JSON line: fit seconds (binning
// included), test accuracy on the 10,000 test images, trees and mean depth.
//
// usage: bench_forest [--rows 20000] [--trees 100] [--workers 1] [--seed 0]
#include "fashion_mnist.h"
#include "forest/random_forest.h"

#include <chrono>
#include <cstdio>
#include <string>

using namespace ts;

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
    const data::Dataset train = bench::fashionMnist("train", rows);
    const data::Dataset test = bench::fashionMnist("t10k", 10000);
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
