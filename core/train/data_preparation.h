// The data half of a run: read the source, derive columns, hold out the test rows. Everything
// here can fail on the user's input, so the runner calls it before it touches the store.
#pragma once

#include "common/result.h"
#include "data/dataset.h"
#include "data/feature_stats.h"
#include "data/fitted_prep.h"
#include "pipeline/pipeline_spec.h"
#include "store/experiment_store.h"
#include "train/run_recorder.h"

#include <string>
#include <vector>

namespace ts::train {

struct PreparedData
{
    data::Dataset train;
    data::Dataset test;
    // Things the user should know that do not stop the run ("bmi: 3 rows gave NaN ...").
    std::vector<std::string> warnings;
    // The statistics of both splits (with `withStats`), taken of the raw values after derive and
    // hold-out and before prep scaling: the drift reference compares raw served values, and
    // raw statistics stay valid when a later run changes its scaling.
    data::DatasetStats statsTrain;
    data::DatasetStats statsTest;
    // The fitted prep of applyFittedPrep (FittedPrep::toJson), stored with the run; empty before.
    std::string prepJson;
};

// 1. reads the training source (and the test file, when the spec names one);
// 2. derives the columns of prep.derive, in order, on every split;
// 3. with source.split, holds out the test rows of the training data (random, stratified by
//    label, or the latest rows by a time column).
// 4. with `withStats`, computes statsTrain and statsTest (data/feature_stats.h).
// Errors name the pipeline file and the stage field or data file at fault.
common::Expected<PreparedData> preparePipelineData(const pipeline::PipelineSpec& spec,
                                                   bool withStats = true);

// Creates `run` through `recorder` and records the statistics and the fitted prep of `data` with
// it. When they cannot be stored the run is marked failed (as a failed metric write does) and the
// error is returned.
common::Expected<int64_t> createRunWithStats(RunRecorder& recorder, const store::NewRun& run,
                                             const PreparedData& data);

// Step 2 of a run: fits the transforms of spec.prep (data/fitted_prep.h: encoding, imputation,
// clipping, log, buckets, scaling) on the training split and applies them to both splits, whose
// features become the model's numeric input. Returns the fitted prep, which the run stores.
// Without prep.impute, missing values (NaN) left after the encoding are refused with an error
// naming the first column that has them, since they would turn the loss into NaN;
// `refuseMissing` false keeps them (data preview shows the rows as they are).
common::Expected<data::FittedPrep> applyFittedPrep(const pipeline::PipelineSpec& spec,
                                                   PreparedData& data, bool refuseMissing = true);

} // namespace ts::train
