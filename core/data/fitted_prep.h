// FittedPrep: the "prep" transforms of a run, fitted on the training split only and then applied
// unchanged to every other split, to new rows, and (later) to rows served from a deployment
// bundle. It serialises to JSON, stored with the run, so that applying the stored prep to new raw
// rows gives exactly the training-time values (the round-trip tests check this bit for bit).
//
// The steps run in this order, each on the output of the one before:
//   1. encode     categorical columns to numbers: one_hot (a 0/1 column "city=Paris" per category
//                 seen in training, sorted; an unseen or missing value gives all zeros) or ordinal
//                 (the category's index in a declared order, or in sorted order; unseen or missing
//                 gives NaN, so impute can fill it). A categorical column the spec does not name
//                 is one-hot encoded.
//   2. impute     missing values (NaN) per feature (data/imputer.h)
//   3. clip       to fixed bounds, or to bounds fitted as quantiles of the training values
//   4. log        x -> ln(1 + x), so 0 stays 0; a value <= -1 is an error naming the row
//   5. bucketize  x -> the index of its bucket: fixed ascending bounds b (bucket k holds
//                 b[k-1] <= x < b[k]), or `quantiles` buckets fitted on the training values
//   6. scale      unit, min-max or standardize (data/normalizer.h)
// Time columns are not features and are dropped; class names are kept for the bundle.
//
// @code
//     auto prep = data::FittedPrep::fit(train, spec.prep.transforms);
//     if (!prep)
//         return std::move(prep).error().wrap(spec.origin + ": stages.prep");
//     TS_TRY(prep->apply(train));
//     TS_TRY(prep->apply(test));
//     store.saveFittedPrep(runId, prep->toJson());
// @endcode
#pragma once

#include "common/result.h"
#include "data/dataset.h"
#include "data/imputer.h"
#include "data/normalizer.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ts::data {

struct ClipSpec
{
    std::string column;
    bool quantiles = false; // lower and upper are quantiles in [0, 1] of the training values
    double lower = 0;       // else fixed bounds, lower <= upper
    double upper = 0;
};

struct BucketizeSpec
{
    std::string column;
    std::vector<double> bounds; // strictly ascending, or empty with quantiles > 0
    int quantiles = 0;          // >= 2: that many equal-frequency buckets of the training values
};

enum class EncodeKind { OneHot, Ordinal };

struct EncodeSpec
{
    std::string column;
    EncodeKind kind = EncodeKind::OneHot;
    std::vector<std::string> order; // Ordinal: the categories in order; empty = sorted
};

struct PrepTransformsSpec
{
    std::vector<EncodeSpec> encode;
    ImputeSpec impute;
    std::vector<ClipSpec> clip;
    std::vector<std::string> log;
    std::vector<BucketizeSpec> bucketize;
    ScaleKind scale = ScaleKind::None;
};

class FittedPrep
{
public:
    // Fits every step on `train` (which it does not change). Fails with InvalidInput naming the
    // step and column at fault: a column `train` does not have (with a did-you-mean), a numeric
    // step on a categorical column or the reverse, a log of a value <= -1 (with its row), a
    // declared ordinal order that misses a category seen in training.
    static common::Expected<FittedPrep> fit(const Dataset& train, const PrepTransformsSpec& spec);

    // Applies the fitted steps to `data`, whose columns must be those `train` had (by name and
    // kind, in any order); its features become the numeric model input. Fails, naming the column
    // and row, on a missing column or a log domain error; `data` is unchanged on failure.
    common::Result apply(Dataset& data) const;

    // The model's input columns after apply, in order ("age", "city=Paris", ...).
    const std::vector<std::string>& outputColumns() const;
    // The class names of the training labels (empty for integer labels).
    const std::vector<std::string>& classNames() const;

    // A self-describing JSON document ({"version": 1, "inputs": [...], "steps": [...]}); floats
    // are written so that they read back to the same bits.
    std::string toJson() const;
    // Fails with Corrupt naming the JSON field at fault.
    static common::Expected<FittedPrep> fromJson(std::string_view json);

    FittedPrep();
    FittedPrep(const FittedPrep&);
    FittedPrep(FittedPrep&&) noexcept;
    FittedPrep& operator=(const FittedPrep&);
    FittedPrep& operator=(FittedPrep&&) noexcept;
    ~FittedPrep();

private:
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace ts::data
