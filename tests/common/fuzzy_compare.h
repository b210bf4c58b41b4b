// Tolerance helpers shared by the tests (the idea of LabPlot's CommonTest::FuzzyCompare and of
// ggml's nmse()).
#pragma once

#include <QtTest/QTest>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>

namespace ts::test {

// |a - b| <= absTol + relTol * max(|a|, |b|)
inline bool fuzzyEqual(double a, double b, double relTol = 1e-5, double absTol = 1e-6)
{
    return std::abs(a - b) <= absTol + relTol * std::max(std::abs(a), std::abs(b));
}

// Normalised mean squared error of `actual` against `expected`: sum((a-e)^2) / sum(e^2).
inline double nmse(std::span<const float> actual, std::span<const float> expected)
{
    double err = 0, ref = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
        err += double(actual[i] - expected[i]) * double(actual[i] - expected[i]);
        ref += double(expected[i]) * double(expected[i]);
    }
    return ref > 0 ? err / ref : err;
}

} // namespace ts::test

// Compares two float ranges element by element and reports the first mismatch with its index.
#define TS_COMPARE_FLOATS(actual, expected, relTol, absTol)                                        \
    do {                                                                                           \
        const auto& a_ = (actual);                                                                 \
        const auto& e_ = (expected);                                                               \
        QCOMPARE(a_.size(), e_.size());                                                            \
        for (size_t i_ = 0; i_ < e_.size(); ++i_) {                                                \
            if (!ts::test::fuzzyEqual(a_[i_], e_[i_], relTol, absTol))                             \
                QFAIL(qPrintable(QString("element %1: %2 != expected %3")                          \
                                         .arg(i_)                                                  \
                                         .arg(double(a_[i_]), 0, 'g', 9)                           \
                                         .arg(double(e_[i_]), 0, 'g', 9)));                        \
        }                                                                                          \
    } while (false)
