#include "train/evaluation.h"

#include "common/assert.h"

#include <algorithm>

namespace ts::train {

ReportBuilder::ReportBuilder(int64_t classes)
    : m_classes(classes)
    , m_confusion(static_cast<size_t>(classes * classes), 0)
{
    TS_ASSERT(classes > 0);
}

void ReportBuilder::add(int64_t actual, int64_t predicted)
{
    TS_ASSERT(actual >= 0 && actual < m_classes && predicted >= 0 && predicted < m_classes);
    ++m_confusion[static_cast<size_t>(actual * m_classes + predicted)];
    ++m_rows;
}

void ReportBuilder::addScores(std::span<const float> scores, const float* labels)
{
    const size_t classes = size_t(m_classes);
    for (size_t i = 0; i * classes < scores.size(); ++i) {
        const float* row = scores.data() + i * classes;
        add(static_cast<int64_t>(labels[i]), std::max_element(row, row + classes) - row);
    }
}

ClassificationReport ReportBuilder::finish() const
{
    ClassificationReport r;
    r.classes = m_classes;
    r.rows = m_rows;
    r.confusion = m_confusion;
    const auto n = static_cast<size_t>(m_classes);
    r.precision.assign(n, 0.0);
    r.recall.assign(n, 0.0);
    r.f1.assign(n, 0.0);
    int64_t correct = 0;
    for (int64_t c = 0; c < m_classes; ++c) {
        int64_t predictedAsC = 0, actuallyC = 0;
        for (int64_t k = 0; k < m_classes; ++k) {
            predictedAsC += r.count(k, c);
            actuallyC += r.count(c, k);
        }
        const int64_t hits = r.count(c, c);
        correct += hits;
        const auto i = static_cast<size_t>(c);
        r.precision[i] = predictedAsC ? double(hits) / double(predictedAsC) : 0.0;
        r.recall[i] = actuallyC ? double(hits) / double(actuallyC) : 0.0;
        const double sum = r.precision[i] + r.recall[i];
        r.f1[i] = sum > 0 ? 2.0 * r.precision[i] * r.recall[i] / sum : 0.0;
        r.macroF1 += r.f1[i] / double(m_classes);
    }
    r.accuracy = m_rows ? double(correct) / double(m_rows) : 0.0;
    return r;
}

} // namespace ts::train
