#include "forest/random_forest.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

namespace ts::forest {

uint64_t treeSeed(uint64_t seed, int index)
{
    // splitmix64 of (seed, index): well-spread seeds for neighbouring indices.
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (uint64_t(index) + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

std::vector<std::pair<int, DecisionTree>> RandomForest::growTrees(const data::Dataset& train,
                                                                  const ForestParams& params,
                                                                  const std::vector<int>& indices,
                                                                  int workers, const OnTree& onTree,
                                                                  const std::atomic<bool>* cancel)
{
    BinnedColumns columns;
    const FeatureBins bins = FeatureBins::fit(train, workers, &columns);
    std::vector<int32_t> labels(train.labels.begin(), train.labels.end());
    const int classes = int(std::max<int64_t>(train.classCount, 1));
    std::vector<std::optional<DecisionTree>> grown(indices.size());
    std::mutex mutex;
    int done = 0;
    const auto work = [&](int worker) {
        for (size_t k = size_t(worker); k < indices.size(); k += size_t(workers)) {
            if (cancel && *cancel)
                return;
            grown[k] = DecisionTree::grow(columns, bins, labels, classes, params.tree,
                                          treeSeed(params.seed, indices[k]));
            std::lock_guard lock(mutex);
            ++done;
            if (onTree)
                onTree(indices[k], done, *grown[k]);
        }
    };
    workers = std::max(1, std::min(workers, int(indices.size())));
    std::vector<std::thread> threads;
    for (int w = 1; w < workers; ++w)
        threads.emplace_back(work, w);
    work(0);
    for (auto& t : threads)
        t.join();
    std::vector<std::pair<int, DecisionTree>> trees;
    for (size_t k = 0; k < indices.size(); ++k)
        if (grown[k])
            trees.emplace_back(indices[k], std::move(*grown[k]));
    return trees;
}

RandomForest RandomForest::fit(const data::Dataset& train, const ForestParams& params, int workers,
                               const OnTree& onTree)
{
    std::vector<int> all(size_t(params.trees));
    for (int i = 0; i < params.trees; ++i)
        all[size_t(i)] = i;
    return merge(growTrees(train, params, all, workers, onTree),
                 int(std::max<int64_t>(train.classCount, 1)));
}

RandomForest RandomForest::merge(std::vector<std::pair<int, DecisionTree>> trees, int classes)
{
    std::sort(trees.begin(), trees.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    RandomForest forest;
    forest.m_classes = classes;
    for (auto& [index, tree] : trees)
        forest.m_trees.push_back(std::move(tree));
    return forest;
}

std::vector<float> RandomForest::predictProba(const float* row) const
{
    std::vector<float> sum(size_t(m_classes), 0.0f);
    for (const DecisionTree& tree : m_trees) {
        const float* p = tree.predictProba(row);
        for (int c = 0; c < m_classes; ++c)
            sum[size_t(c)] += p[c];
    }
    for (float& v : sum)
        v /= float(std::max<size_t>(m_trees.size(), 1));
    return sum;
}

int RandomForest::predict(const float* row) const
{
    const std::vector<float> p = predictProba(row);
    return int(std::max_element(p.begin(), p.end()) - p.begin());
}

double RandomForest::accuracy(const data::Dataset& data) const
{
    int64_t right = 0;
    for (int64_t i = 0; i < data.rows; ++i)
        right += predict(data.row(i)) == int(data.labels[size_t(i)]);
    return data.rows > 0 ? double(right) / double(data.rows) : 0;
}

} // namespace ts::forest
