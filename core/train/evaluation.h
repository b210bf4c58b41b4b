// Classification metrics of a model on a labelled split: accuracy, the confusion matrix and
// per-class precision, recall and F1 (the numbers a lab compares models by, beyond accuracy).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ts::train {

struct ClassificationReport
{
    int64_t classes = 0;
    int64_t rows = 0;
    double accuracy = 0;
    // confusion[actual * classes + predicted] = number of rows.
    std::vector<int64_t> confusion;
    // Per class; a class never predicted has precision 0, one never present has recall 0
    // (scikit-learn's zero_division=0), and F1 is 0 where precision + recall is 0.
    std::vector<double> precision;
    std::vector<double> recall;
    std::vector<double> f1;
    double macroF1 = 0; // unweighted mean of f1 over the classes

    int64_t count(int64_t actual, int64_t predicted) const
    {
        return confusion[static_cast<std::size_t>(actual * classes + predicted)];
    }
};

// Accumulates (actual, predicted) pairs batch by batch, then computes the report.
class ReportBuilder
{
public:
    explicit ReportBuilder(int64_t classes);
    void add(int64_t actual, int64_t predicted);
    // Every row of `scores` (rows x classes, one row per sample): the predicted class is the
    // highest score, the actual one `labels[row]`.
    void addScores(std::span<const float> scores, const float* labels);
    ClassificationReport finish() const;

private:
    int64_t m_classes;
    int64_t m_rows = 0;
    std::vector<int64_t> m_confusion;
};

} // namespace ts::train
