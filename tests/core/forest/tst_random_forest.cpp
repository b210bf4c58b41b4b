// The random forest (forest/random_forest.h): trees depend on their seed alone, so the forest is
// the same grown by 1, 2 or 3 workers, and a forest merged from shares of trees that travelled
// in their flat form predicts exactly as the trees did; it learns (gini and entropy); depth and
// leaf limits hold; features are binned exactly when they have few values; malformed trees from
// the wire are refused.
#include "forest/random_forest.h"

#include <QtTest/QTest>

#include <bit>
#include <cmath>
#include <cstring>
#include <random>

using namespace ts;

namespace {

// Rows whose class (of 3) is which of the first three features is largest; 12 more features of
// noise, and a quantised one with 5 distinct values.
data::Dataset threeClasses(int64_t rows, uint64_t seed)
{
    data::Dataset d;
    d.rows = rows;
    d.cols = 16;
    d.classCount = 3;
    std::mt19937_64 g(seed);
    std::normal_distribution<float> value(0.0f, 1.0f);
    for (int64_t i = 0; i < rows; ++i) {
        float top[3];
        for (int c = 0; c < 3; ++c)
            top[c] = value(g);
        for (float v : top)
            d.features.push_back(v);
        for (int k = 0; k < 12; ++k)
            d.features.push_back(value(g));
        d.features.push_back(float(g() % 5));
        d.labels.push_back(float(std::max_element(top, top + 3) - top));
    }
    return d;
}

// The flat forms hold integers as float bits (some are NaN patterns): compare bits, not floats.
bool sameBits(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::vector<std::vector<float>> probabilities(const forest::RandomForest& f, const data::Dataset& d)
{
    std::vector<std::vector<float>> out;
    for (int64_t i = 0; i < d.rows; ++i)
        out.push_back(f.predictProba(d.row(i)));
    return out;
}

} // namespace

class TestRandomForest final : public QObject
{
    Q_OBJECT

private slots:
    void sameForestWhateverTheWorkers_data()
    {
        QTest::addColumn<int>("workers");
        QTest::newRow("2 workers") << 2;
        QTest::newRow("3 workers") << 3;
    }
    void sameForestWhateverTheWorkers()
    {
        QFETCH(int, workers);
        const data::Dataset train = threeClasses(600, 1), test = threeClasses(200, 2);
        forest::ForestParams params;
        params.trees = 12;
        params.seed = 9;
        const auto one = forest::RandomForest::fit(train, params, 1);
        const auto many = forest::RandomForest::fit(train, params, workers);
        QCOMPARE(many.trees().size(), size_t(12));
        for (size_t t = 0; t < one.trees().size(); ++t)
            QVERIFY2(sameBits(one.trees()[t].serialize(), many.trees()[t].serialize()),
                     qPrintable(QString("tree %1 differs").arg(t)));
        QCOMPARE(probabilities(many, test), probabilities(one, test));
    }

    void mergedForestPredictsAsItsTrees()
    {
        const data::Dataset train = threeClasses(600, 3), test = threeClasses(300, 4);
        forest::ForestParams params;
        params.trees = 10;
        // Three "ranks" grow their shares; the trees travel flat, as over the data plane.
        std::vector<std::pair<int, forest::DecisionTree>> received;
        for (const std::vector<int>& share :
             { std::vector<int> { 0, 3, 6, 9 }, { 1, 4, 7 }, { 2, 5, 8 } })
            for (auto& [index, tree] : forest::RandomForest::growTrees(train, params, share, 1)) {
                const std::vector<float> flat = tree.serialize();
                bool ok = false;
                received.emplace_back(index,
                                      forest::DecisionTree::deserialize(flat.data(), flat.size(),
                                                                        train.cols, &ok));
                QVERIFY(ok);
            }
        std::reverse(received.begin(), received.end()); // any arrival order
        const auto merged = forest::RandomForest::merge(std::move(received), 3);
        QCOMPARE(merged.trees().size(), size_t(10));
        const auto whole = forest::RandomForest::fit(train, params, 1);
        QCOMPARE(probabilities(merged, test), probabilities(whole, test));
        // Exactly the mean of what each tree predicts, and the class with the highest mean.
        for (int64_t i = 0; i < test.rows; ++i) {
            std::vector<float> mean(3, 0.0f);
            for (const auto& tree : merged.trees())
                for (int c = 0; c < 3; ++c)
                    mean[size_t(c)] += tree.predictProba(test.row(i))[c];
            for (float& m : mean)
                m /= 10.0f;
            QCOMPARE(merged.predictProba(test.row(i)), mean);
            QCOMPARE(merged.predict(test.row(i)),
                     int(std::max_element(mean.begin(), mean.end()) - mean.begin()));
        }
    }

    void learns_data()
    {
        QTest::addColumn<QString>("criterion");
        QTest::newRow("gini") << "gini";
        QTest::newRow("entropy") << "entropy";
    }
    void learns()
    {
        QFETCH(QString, criterion);
        const data::Dataset train = threeClasses(3000, 5), test = threeClasses(1000, 6);
        forest::ForestParams params;
        params.trees = 30;
        params.tree.criterion = criterion.toStdString();
        params.tree.maxFeatures = 8;
        const auto f = forest::RandomForest::fit(train, params, 2);
        const double accuracy = f.accuracy(test);
        QVERIFY2(accuracy > 0.85, qPrintable(QString("accuracy %1").arg(accuracy)));
    }

    void limitsHold_data()
    {
        QTest::addColumn<int>("maxDepth");
        QTest::addColumn<int>("minLeaf");
        QTest::newRow("depth 3") << 3 << 1;
        QTest::newRow("depth 1, a stump") << 1 << 1;
        QTest::newRow("leaves of at least 50") << 0 << 50;
    }
    void limitsHold()
    {
        QFETCH(int, maxDepth);
        QFETCH(int, minLeaf);
        const data::Dataset train = threeClasses(800, 7);
        forest::ForestParams params;
        params.trees = 5;
        params.tree.maxDepth = maxDepth;
        params.tree.minSamplesLeaf = minLeaf;
        params.tree.bootstrap = false; // every row once: leaf sizes are row counts
        const auto f = forest::RandomForest::fit(train, params, 1);
        for (const auto& tree : f.trees()) {
            if (maxDepth > 0)
                QVERIFY(tree.depth() <= maxDepth);
            // Every leaf's distribution is over at least minLeaf rows: its probabilities are
            // multiples of 1/n with n >= minLeaf.
            for (int64_t i = 0; i < train.rows; ++i) {
                const float* p = tree.predictProba(train.row(i));
                for (int c = 0; c < 3; ++c)
                    if (p[c] > 0)
                        QVERIFY(p[c] >= 1.0f / float(train.rows) - 1e-6f);
            }
        }
        if (minLeaf > 1) {
            // With leaves of >= 50 of 800 rows there are at most 16 leaves.
            for (const auto& tree : f.trees())
                QVERIFY(tree.nodeCount() <= 2 * 16 - 1);
        }
    }

    void fewValuesAreBinnedExactly()
    {
        const data::Dataset d = threeClasses(500, 8);
        forest::BinnedColumns binned;
        const auto bins = forest::FeatureBins::fit(d, 2, &binned);
        QCOMPARE(bins.bins(15), 5); // the quantised feature: values 0..4
        for (int b = 0; b < 4; ++b)
            QCOMPARE(bins.edge(15, b), float(b) + 0.5f);
        QVERIFY(std::isinf(bins.edge(15, 4)));
        QCOMPARE(bins.bins(0), forest::MaxBins); // 500 distinct values: quantiles
        // fit's own bins are apply's.
        const forest::BinnedColumns applied = bins.apply(d, 1);
        QVERIFY(applied.values == binned.values);
    }

    void malformedTreesAreRefused_data()
    {
        QTest::addColumn<int>("field"); // which value of the flat form to spoil
        QTest::addColumn<float>("value");
        QTest::newRow("a child before its parent") << 6 << std::bit_cast<float>(int32_t(0));
        QTest::newRow("a feature beyond the data's") << 4 << std::bit_cast<float>(int32_t(99));
        QTest::newRow("a node count that does not fit") << 2 << std::bit_cast<float>(int32_t(1000));
    }
    void malformedTreesAreRefused()
    {
        QFETCH(int, field);
        QFETCH(float, value);
        const data::Dataset train = threeClasses(300, 9);
        forest::ForestParams params;
        params.trees = 1;
        auto trees = forest::RandomForest::growTrees(train, params, { 0 }, 1);
        std::vector<float> flat = trees[0].second.serialize();
        bool ok = false;
        (void)forest::DecisionTree::deserialize(flat.data(), flat.size(), train.cols, &ok);
        QVERIFY(ok);
        flat[size_t(field)] = value; // node 0 is the root, an inner node: fields 4..8
        (void)forest::DecisionTree::deserialize(flat.data(), flat.size(), train.cols, &ok);
        QVERIFY(!ok);
    }
};

QTEST_GUILESS_MAIN(TestRandomForest)
#include "tst_random_forest.moc"
