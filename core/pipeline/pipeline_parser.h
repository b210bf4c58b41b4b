// Reading and validating pipeline files (see pipeline_spec.h for the format).
#pragma once

#include "common/result.h"
#include "pipeline/pipeline_spec.h"

#include <string>

namespace ts::pipeline {

// Reads and validates the pipeline file at `path`. Errors are ErrorKind::NotFound (no file) or
// ErrorKind::InvalidInput with the message "<path>: <field path>: <what is wrong>", or
// "<path>:<line>:<column>: JSON syntax error: ..." for malformed JSON.
common::Expected<PipelineSpec> loadPipeline(const std::string& path);

// Validates pipeline JSON text; `origin` names it in messages and relative paths are resolved
// against `baseDir`.
common::Expected<PipelineSpec> parsePipeline(const std::string& text, const std::string& origin,
                                             const std::string& baseDir);

} // namespace ts::pipeline
