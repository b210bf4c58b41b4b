// The parameters a run is stored with (its params table): the pipeline's model, optimizer,
// schedule, prep and source settings and the sizes of its data, as "key" = "value" text, so runs
// can be filtered, sorted and compared by any of them (`trainstudio-cli runs list --where`).
#pragma once

#include "pipeline/pipeline_spec.h"

#include <string>
#include <utility>
#include <vector>

namespace ts::train {

struct RunStart;

// The params of a run of `spec` that `start` describes (model, data sizes, checkpoints).
std::vector<std::pair<std::string, std::string>> runParams(const pipeline::PipelineSpec& spec,
                                                           const RunStart& start);

} // namespace ts::train
