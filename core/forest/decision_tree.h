// DecisionTree: one classification tree of a random forest, grown by histogram CART (as
// LightGBM and scikit-learn's HistGradientBoosting grow theirs): at every node the samples' class
// counts are gathered per bin of each candidate feature (forest/feature_bins.h), and the best
// "bin <= t" split by Gini impurity or entropy is one scan over the bins.
//
// Like scikit-learn's RandomForestClassifier: a bootstrap sample of the rows per tree (as
// weights), maxFeatures candidate features per node (drawn without replacement, more drawn when
// none of them splits the node), maxDepth, minSamplesSplit and minSamplesLeaf; a leaf keeps its
// class distribution, which the forest averages.
//
// A tree depends only on the data, the parameters and its seed: grown anywhere, by any worker,
// it is the same tree.
#pragma once

#include "forest/feature_bins.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts::forest {

struct TreeParams
{
    std::string criterion = "gini"; // or "entropy"
    int maxDepth = 0;               // 0: until the leaves are pure or too small
    int64_t minSamplesSplit = 2;
    int64_t minSamplesLeaf = 1;
    int64_t maxFeatures = 0; // candidate features per node; 0: sqrt(features)
    bool bootstrap = true;
};

struct TreeNode
{
    int32_t feature = -1; // -1: a leaf
    float threshold = 0;  // go left when value <= threshold
    int32_t left = -1;
    int32_t right = -1;
    int32_t leaf = -1; // a leaf's index into the class distributions
};

class DecisionTree
{
public:
    // Grows a tree on `columns` (binned by `bins`) with class labels `labels` in [0, classes).
    static DecisionTree grow(const BinnedColumns& columns, const FeatureBins& bins,
                             const std::vector<int32_t>& labels, int classes,
                             const TreeParams& params, uint64_t seed);

    // The class distribution of the leaf `row` (raw feature values) falls in.
    const float* predictProba(const float* row) const;
    int classes() const { return m_classes; }
    size_t nodeCount() const { return m_nodes.size(); }
    int depth() const { return m_depth; }

    // A flat form for checkpoints and the wire: nodes, then leaf distributions.
    std::vector<float> serialize() const;
    // False in *ok when the values are not a whole tree of at most `features` features.
    static DecisionTree deserialize(const float* values, size_t count, int64_t features, bool* ok);

private:
    std::vector<TreeNode> m_nodes;
    std::vector<float> m_leaves; // classes values per leaf
    int m_classes = 0;
    int m_depth = 0;
    friend class TreeGrower;
};

} // namespace ts::forest
