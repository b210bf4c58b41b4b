// RandomForest: a forest of histogram CART trees (forest/decision_tree.h) whose trees are split
// across workers (DESIGN.md, Strategies: model distribution). Tree i is grown from seed
// (forest seed, i) alone, so the forest is the same whether one worker grows every tree or N
// workers grow every N-th: threads of one process (fit), or the ranks of a job, each growing
// its share (growTrees) and sending the trees to rank 0, which merges them in tree order (merge).
// The forest predicts the class with the highest mean leaf distribution, as scikit-learn does.
//
// @code
//     ForestParams params;                   // 100 trees, sqrt(features) per split, gini
//     auto forest = RandomForest::fit(train, params, 2);  // 2 worker threads
//     double accuracy = forest.accuracy(test);
// @endcode
#pragma once

#include "data/dataset.h"
#include "forest/decision_tree.h"

#include <atomic>
#include <functional>
#include <utility>
#include <vector>

namespace ts::forest {

struct ForestParams
{
    int trees = 100;
    TreeParams tree;
    uint64_t seed = 0;
};

class RandomForest
{
public:
    // After each tree: its index, how many trees this call has grown so far, and the tree.
    // Called from the workers' threads, one call at a time.
    using OnTree = std::function<void(int index, int done, const DecisionTree& tree)>;

    // Every tree, grown by `workers` threads (worker k grows trees k, k + workers, ...).
    static RandomForest fit(const data::Dataset& train, const ForestParams& params, int workers,
                            const OnTree& onTree = {});
    // Only the trees `indices` (a rank's share), with `workers` threads. When `cancel` turns
    // true the workers start no more trees: the trees grown so far are returned.
    static std::vector<std::pair<int, DecisionTree>>
    growTrees(const data::Dataset& train, const ForestParams& params,
              const std::vector<int>& indices, int workers, const OnTree& onTree = {},
              const std::atomic<bool>* cancel = nullptr);
    // The forest of `trees`, ordered by their index.
    static RandomForest merge(std::vector<std::pair<int, DecisionTree>> trees, int classes);

    int classes() const { return m_classes; }
    const std::vector<DecisionTree>& trees() const { return m_trees; }
    // The mean class distribution of the trees' leaves for `row`.
    std::vector<float> predictProba(const float* row) const;
    int predict(const float* row) const;
    double accuracy(const data::Dataset& data) const;

private:
    std::vector<DecisionTree> m_trees;
    int m_classes = 0;
};

// The seed tree `index` of a forest seeded `seed` grows from.
uint64_t treeSeed(uint64_t seed, int index);

} // namespace ts::forest
