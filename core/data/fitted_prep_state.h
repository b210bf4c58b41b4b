// The fitted values of a FittedPrep (data/fitted_prep.h), shared by the files that implement it:
// fitted_prep.cpp (apply), fitted_prep_fit.cpp (fit), fitted_prep_json.cpp (toJson) and
// fitted_prep_from_json.cpp (fromJson). Not part of the core API.
//
// Everything the steps need is stored here as plain values, so that a prep read back from JSON
// runs exactly the code and the numbers of the prep that was fitted. That is why impute and scale
// keep the Imputer's fills and the Normalizer's offsets and factors rather than the objects: a
// restored prep cannot rebuild those classes, and apply uses their formulas on the stored values.
//
// Columns. `inputs` are the feature columns of the training data in its order; step 1 turns each
// into one column (numeric, ordinal) or one per category (one-hot), in input order, giving the
// "encoded" columns that every later step indexes; their names are `outputs`.
#pragma once

#include "common/result.h"
#include "data/category_encoder.h"
#include "data/dataset.h"
#include "data/fitted_prep.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts::data {

struct PrepInput
{
    std::string name;
    ColumnKind kind = ColumnKind::Numeric; // Numeric or Categorical
    CategoryEncoder encoder;               // Categorical only
};

struct PrepClip
{
    int64_t column = 0; // index into outputs
    double lower = 0;
    double upper = 0;
};

struct PrepBucketize
{
    int64_t column = 0;
    std::vector<double> bounds;
};

struct FittedPrepState
{
    static constexpr int Version = 1;

    std::vector<PrepInput> inputs;
    std::vector<std::string> outputs; // the encoded columns, see above

    ImputeStrategy impute = ImputeStrategy::None;
    std::vector<float> fills; // one per output

    std::vector<PrepClip> clips;
    std::vector<int64_t> logs;
    std::vector<PrepBucketize> buckets;

    ScaleKind scale = ScaleKind::None;
    std::vector<float> offsets; // one (Unit) or one per output
    std::vector<float> factors;

    std::vector<std::string> classNames;

    // Step 1. The column of `data` that holds each input, by name; fails, naming the column and
    // data.origin, on a missing one or one of another kind.
    common::Expected<std::vector<int64_t>> locateInputs(const Dataset& data) const;
    // The encoded matrix of `data` (rows x outputs), its inputs at `sources`.
    common::Expected<Dataset> encode(const Dataset& data,
                                     const std::vector<int64_t>& sources) const;

    // Names the encoded columns of `inputs` into `outputs`.
    void nameOutputs();
    // The index of output `name`, or -1.
    int64_t outputIndex(const std::string& name) const;

    // Steps 2-6 on `work`, whose columns are the outputs. Each is a no-op when the prep has no
    // such step. applyLogs fails on a value <= -1, naming the column, `work.origin` and the row.
    void applyImpute(Dataset& work) const;
    void applyClips(Dataset& work) const;
    common::Result applyLogs(Dataset& work) const;
    void applyBuckets(Dataset& work) const;
    void applyScale(Dataset& work) const;
};

// FittedPrep's private state is the plain struct above, so that the helpers of the three
// fitted_prep*.cpp files can take it.
struct FittedPrep::State : FittedPrepState
{};

// The shortest text that reads back as `value` ("0.1", "-2", "nan").
std::string formatNumber(double value);
// The feature names of `data`: its columnNames, or "f0", "f1", ... for a source without names.
std::vector<std::string> featureNames(const Dataset& data);
// Fails (Internal) when the sizes of `data` disagree with its rows and cols.
common::Result checkLayout(const Dataset& data);

} // namespace ts::data
