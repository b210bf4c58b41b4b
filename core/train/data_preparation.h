// The data half of a run: read the source, derive columns, hold out the test rows. Everything
// here can fail on the user's input, so the runner calls it before it touches the store.
#pragma once

#include "common/result.h"
#include "data/dataset.h"
#include "pipeline/pipeline_spec.h"

#include <string>
#include <vector>

namespace ts::train {

struct PreparedData
{
    data::Dataset train;
    data::Dataset test;
    // Things the user should know that do not stop the run ("bmi: 3 rows gave NaN ...").
    std::vector<std::string> warnings;
};

// 1. reads the training source (and the test file, when the spec names one);
// 2. derives the columns of prep.derive, in order, on every split;
// 3. with source.split, holds out the test rows of the training data (random, stratified by
//    label, or the latest rows by a time column).
// Errors name the pipeline file and the stage field or data file at fault.
common::Expected<PreparedData> preparePipelineData(const pipeline::PipelineSpec& spec);

} // namespace ts::train
