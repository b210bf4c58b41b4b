// Column transforms: steps 3-5 of the fitted prep (data/fitted_prep.h), each on one numeric
// column of a dataset, plus the quantiles that fit their bounds on the training values.
//
//   clip       x -> min(max(x, lower), upper)
//   log        x -> ln(1 + x), computed as std::log1p in double and rounded once to float: the
//              double keeps ln(1 + x) accurate for tiny x, and one rounding makes the result the
//              same on every run of the same build
//   bucketize  x -> k, the number of bounds <= x (so x == bounds[k] goes to bucket k + 1)
// A missing value (NaN) stays missing through all three, so a later impute or the model's
// missing-value check still sees it.
//
// Quantiles follow numpy.quantile's default ("linear"): with the n present values sorted, the
// q-quantile lies at rank h = (n - 1) q, interpolated between the values at floor(h) and
// floor(h) + 1 exactly as numpy's _lerp does, so fitted bounds match a notebook's.
//
// @code
//     const std::vector<double> values = sortedValues(train, j); // {1, 2, 3, 4}
//     quantile(values, 0.5);                                     // 2.5
//     quantileBounds(values, 2);                                 // {2.5}
//     bucketizeColumn(train, j, { 2.5 });                        // {0, 0, 1, 1}
// @endcode
#pragma once

#include "data/dataset.h"

#include <cstdint>
#include <vector>

namespace ts::data {

// The present (non-NaN) values of column `col`, as doubles, sorted ascending.
std::vector<double> sortedValues(const Dataset& data, int64_t col);

// numpy.quantile(values, q) for `sorted` values and q in [0, 1]; NaN when there are none.
double quantile(const std::vector<double>& sorted, double q);

// The inner quantiles k / buckets (k = 1 .. buckets - 1) of `sorted`, a repeated bound dropped
// so that they stay strictly ascending (a column of few distinct values gets fewer buckets).
std::vector<double> quantileBounds(const std::vector<double>& sorted, int buckets);

// Clips column `col` of `data` into [lower, upper].
void clipColumn(Dataset& data, int64_t col, double lower, double upper);

// Replaces column `col` of `data` by ln(1 + x). Returns -1, or the 0-based row of the first value
// <= -1, where it stops (the rows before it are already transformed).
int64_t logColumn(Dataset& data, int64_t col);

// Replaces column `col` of `data` by its bucket index for strictly ascending `bounds`.
void bucketizeColumn(Dataset& data, int64_t col, const std::vector<double>& bounds);

} // namespace ts::data
