#include "forest/decision_tree.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>

namespace ts::forest {

// Grows one tree, depth first, over an index array partitioned in place node by node.
class TreeGrower
{
public:
    TreeGrower(const BinnedColumns& columns, const FeatureBins& bins,
               const std::vector<int32_t>& labels, int classes, const TreeParams& params,
               uint64_t seed)
        : m_columns(columns)
        , m_bins(bins)
        , m_labels(labels)
        , m_classes(classes)
        , m_params(params)
        , m_random(seed)
        , m_entropy(params.criterion == "entropy")
    {
        const int64_t features = columns.cols;
        m_maxFeatures = params.maxFeatures > 0
                ? std::min(params.maxFeatures, features)
                : std::max<int64_t>(1, int64_t(std::sqrt(double(features))));
        m_featureOrder.resize(size_t(features));
        for (int64_t f = 0; f < features; ++f)
            m_featureOrder[size_t(f)] = int32_t(f);
        m_histogram.resize(size_t(MaxBins) * size_t(classes));
    }

    DecisionTree grow()
    {
        // Bootstrap: n draws with replacement, kept as per-row weights.
        const int64_t n = m_columns.rows;
        m_weights.assign(size_t(n), m_params.bootstrap ? 0 : 1);
        if (m_params.bootstrap) {
            std::uniform_int_distribution<int64_t> pick(0, n - 1);
            for (int64_t i = 0; i < n; ++i)
                ++m_weights[size_t(pick(m_random))];
        }
        // The node's samples: row, label and weight side by side, so that the histogram loop
        // reads labels and weights in order rather than all over the data.
        for (int64_t i = 0; i < n; ++i)
            if (m_weights[size_t(i)] > 0)
                m_samples.push_back(
                        { int32_t(i), m_labels[size_t(i)], int32_t(m_weights[size_t(i)]) });
        m_tree.m_classes = m_classes;
        m_tree.m_nodes.emplace_back();
        struct Pending
        {
            size_t begin, end;
            int depth;
            int32_t node;
            std::vector<uint64_t> constant; // features constant in an ancestor: in this node too
        };
        const size_t words = (m_featureOrder.size() + 63) / 64;
        std::vector<Pending> stack;
        stack.push_back({ 0, m_samples.size(), 0, 0, std::vector<uint64_t>(words, 0) });
        while (!stack.empty()) {
            Pending p = std::move(stack.back());
            stack.pop_back();
            m_tree.m_depth = std::max(m_tree.m_depth, p.depth);
            const Split split = bestSplit(p.begin, p.end, p.depth, p.constant);
            if (split.feature < 0) {
                makeLeaf(p.node, p.begin, p.end);
                continue;
            }
            const uint8_t* column = m_columns.column(split.feature);
            const auto middle = std::partition(
                    m_samples.begin() + long(p.begin), m_samples.begin() + long(p.end),
                    [&](const Sample& s) { return column[s.row] <= split.bin; });
            const size_t mid = size_t(middle - m_samples.begin());
            const auto left = int32_t(m_tree.m_nodes.size());
            m_tree.m_nodes.emplace_back();
            m_tree.m_nodes.emplace_back();
            TreeNode& node = m_tree.m_nodes[size_t(p.node)];
            node.feature = split.feature;
            node.threshold = m_bins.edge(split.feature, split.bin);
            node.left = left;
            node.right = left + 1;
            // Right pushed first: the left subtree is grown first, as scikit-learn does.
            stack.push_back({ mid, p.end, p.depth + 1, left + 1, p.constant });
            stack.push_back({ p.begin, mid, p.depth + 1, left, std::move(p.constant) });
        }
        return std::move(m_tree);
    }

private:
    struct Split
    {
        int32_t feature = -1;
        int bin = 0;
        double score = 0; // larger is better
    };

    // n * impurity of a node with class counts `counts` (weighted) and total n: what a split
    // minimises summed over its two sides.
    double weightedImpurity(const int64_t* counts, int64_t n) const
    {
        if (n == 0)
            return 0;
        double sum = 0;
        if (m_entropy) {
            for (int c = 0; c < m_classes; ++c)
                if (counts[c] > 0)
                    sum -= double(counts[c]) * std::log2(double(counts[c]) / double(n));
            return sum;
        }
        for (int c = 0; c < m_classes; ++c)
            sum += double(counts[c]) * double(counts[c]);
        return double(n) - sum / double(n);
    }

    Split bestSplit(size_t begin, size_t end, int depth, std::vector<uint64_t>& constant)
    {
        std::vector<int64_t> total(size_t(m_classes), 0);
        int64_t n = 0;
        for (size_t k = begin; k < end; ++k) {
            total[size_t(m_samples[k].label)] += m_samples[k].weight;
            n += m_samples[k].weight;
        }
        m_counts = total;
        m_total = n;
        const bool pure =
                std::count_if(total.begin(), total.end(), [](int64_t c) { return c > 0; }) <= 1;
        if (pure || n < m_params.minSamplesSplit || n < 2 * m_params.minSamplesLeaf
            || (m_params.maxDepth > 0 && depth >= m_params.maxDepth))
            return {};
        const double parent = weightedImpurity(total.data(), n);
        Split best;
        best.score = 1e-12 * double(n); // a split must lower the impurity
        // Candidate features drawn without replacement until maxFeatures of them vary in this
        // node (constant ones do not count, as in scikit-learn), and more while none splits it.
        // A feature constant here is constant in every descendant: they skip it.
        const size_t features = m_featureOrder.size();
        size_t varying = 0;
        for (size_t drawn = 0; drawn < features; ++drawn) {
            if (varying >= size_t(m_maxFeatures) && best.feature >= 0)
                break;
            const size_t j = drawn + size_t(m_random() % (features - drawn));
            std::swap(m_featureOrder[drawn], m_featureOrder[j]);
            const int32_t feature = m_featureOrder[drawn];
            uint64_t& word = constant[size_t(feature) / 64];
            const uint64_t bit = uint64_t(1) << (feature % 64);
            if (word & bit)
                continue;
            if (scanFeature(feature, begin, end, parent, best))
                ++varying;
            else
                word |= bit;
        }
        return best;
    }

    // The best "bin <= t" split of `feature` over the node's samples, into `best` if better;
    // false when the feature is constant in the node.
    bool scanFeature(int32_t feature, size_t begin, size_t end, double parent, Split& best)
    {
        const uint8_t* column = m_columns.column(feature);
        // The histogram is all zeros between calls: fill it and find the bins used in one pass,
        // and clear only those after.
        int64_t* hist = m_histogram.data();
        const size_t classes = size_t(m_classes);
        int lo = MaxBins, hi = -1;
        for (size_t k = begin; k < end; ++k) {
            const Sample& s = m_samples[k];
            const int b = column[s.row];
            lo = std::min(lo, b);
            hi = std::max(hi, b);
            hist[size_t(b) * classes + size_t(s.label)] += s.weight;
        }
        const auto clear = [&] {
            std::fill(hist + size_t(lo) * classes, hist + size_t(hi + 1) * classes, 0);
        };
        if (lo >= hi) {
            clear();
            return false; // constant here
        }
        std::vector<int64_t>& left = m_left;
        std::vector<int64_t>& right = m_right;
        left.assign(size_t(m_classes), 0);
        right = m_counts;
        int64_t nLeft = 0;
        for (int b = lo; b < hi; ++b) {
            const int64_t* row = hist + size_t(b) * size_t(m_classes);
            int64_t moved = 0;
            for (int c = 0; c < m_classes; ++c) {
                left[size_t(c)] += row[c];
                right[size_t(c)] -= row[c];
                moved += row[c];
            }
            if (moved == 0)
                continue;
            nLeft += moved;
            const int64_t nRight = m_total - nLeft;
            if (nLeft < m_params.minSamplesLeaf)
                continue;
            if (nRight < m_params.minSamplesLeaf)
                break;
            const double score = parent - weightedImpurity(left.data(), nLeft)
                    - weightedImpurity(right.data(), nRight);
            if (score > best.score) {
                best.score = score;
                best.feature = feature;
                best.bin = b;
            }
        }
        clear();
        return true;
    }

    void makeLeaf(int32_t node, size_t begin, size_t end)
    {
        std::vector<double> counts(size_t(m_classes), 0);
        double n = 0;
        for (size_t k = begin; k < end; ++k) {
            counts[size_t(m_samples[k].label)] += double(m_samples[k].weight);
            n += double(m_samples[k].weight);
        }
        m_tree.m_nodes[size_t(node)].leaf = int32_t(m_tree.m_leaves.size() / size_t(m_classes));
        for (double c : counts)
            m_tree.m_leaves.push_back(float(n > 0 ? c / n : 0));
    }

    const BinnedColumns& m_columns;
    const FeatureBins& m_bins;
    const std::vector<int32_t>& m_labels;
    const int m_classes;
    const TreeParams& m_params;
    std::mt19937_64 m_random;
    const bool m_entropy;
    int64_t m_maxFeatures = 1;
    std::vector<int32_t> m_featureOrder;
    struct Sample
    {
        int32_t row;
        int32_t label;
        int32_t weight; // times the bootstrap drew the row
    };
    std::vector<int64_t> m_weights;
    std::vector<Sample> m_samples;
    std::vector<int64_t> m_histogram;
    std::vector<int64_t> m_counts, m_left, m_right;
    int64_t m_total = 0;
    DecisionTree m_tree;
};

DecisionTree DecisionTree::grow(const BinnedColumns& columns, const FeatureBins& bins,
                                const std::vector<int32_t>& labels, int classes,
                                const TreeParams& params, uint64_t seed)
{
    return TreeGrower(columns, bins, labels, classes, params, seed).grow();
}

const float* DecisionTree::predictProba(const float* row) const
{
    const TreeNode* node = &m_nodes[0];
    while (node->feature >= 0)
        node = &m_nodes[size_t(row[node->feature] <= node->threshold ? node->left : node->right)];
    return m_leaves.data() + size_t(node->leaf) * size_t(m_classes);
}

std::vector<float> DecisionTree::serialize() const
{
    // [classes, depth, nodes, leaves, then 5 values per node, then the distributions]; integers
    // travel as their bits.
    const auto bits = [](int32_t v) { return std::bit_cast<float>(v); };
    std::vector<float> out { bits(m_classes), bits(m_depth), bits(int32_t(m_nodes.size())),
                             bits(int32_t(m_leaves.size())) };
    for (const TreeNode& n : m_nodes) {
        out.push_back(bits(n.feature));
        out.push_back(n.threshold);
        out.push_back(bits(n.left));
        out.push_back(bits(n.right));
        out.push_back(bits(n.leaf));
    }
    out.insert(out.end(), m_leaves.begin(), m_leaves.end());
    return out;
}

DecisionTree DecisionTree::deserialize(const float* values, size_t count, int64_t features,
                                       bool* ok)
{
    const auto integer = [](float v) { return std::bit_cast<int32_t>(v); };
    DecisionTree tree;
    *ok = false;
    if (count < 4)
        return tree;
    tree.m_classes = integer(values[0]);
    tree.m_depth = integer(values[1]);
    const int32_t nodes = integer(values[2]), leaves = integer(values[3]);
    if (tree.m_classes <= 0 || nodes <= 0 || leaves < 0
        || count != 4 + size_t(nodes) * 5 + size_t(leaves))
        return tree;
    const float* v = values + 4;
    for (int32_t k = 0; k < nodes; ++k, v += 5) {
        TreeNode n { integer(v[0]), v[1], integer(v[2]), integer(v[3]), integer(v[4]) };
        // Every child inside the tree and after its parent (no cycles); every leaf in range.
        const bool inner = n.feature >= 0;
        if (n.feature >= features)
            return tree;
        if ((inner && (n.left <= k || n.right <= k || n.left >= nodes || n.right >= nodes))
            || (!inner
                && (n.leaf < 0 || size_t(n.leaf + 1) * size_t(tree.m_classes) > size_t(leaves))))
            return tree;
        tree.m_nodes.push_back(n);
    }
    tree.m_leaves.assign(v, v + leaves);
    *ok = true;
    return tree;
}

} // namespace ts::forest
