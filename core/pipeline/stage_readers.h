// The readers of the "source" and "prep" stages and the train stage's "strategy" of a pipeline
// file. Internal to core/pipeline: pipeline_parser.cpp calls them, and they throw FieldError
// (object_reader.h) on a mistake.
#pragma once

#include "pipeline/object_reader.h"
#include "pipeline/pipeline_spec.h"

#include <string>

namespace ts::pipeline::detail {

// A data path relative to the pipeline file's folder `baseDir`.
std::string resolvePath(const std::string& file, const std::string& baseDir);

SourceSpec readSource(ObjectReader& stage, const std::string& baseDir);

PrepSpec readPrep(ObjectReader& stage);

// The train stage's "strategy" (absent: auto).
StrategySpec readStrategy(ObjectReader& train);

// The parameters of a "random_forest" model object (its "type" already read).
forest::ForestParams readForest(ObjectReader& model);

} // namespace ts::pipeline::detail
