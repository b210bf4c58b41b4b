// DataRoots: the folders an agent lets jobs read from. Jobs are declarative pipeline specs from
// the network, so every file a job names is checked against the agent's configured roots before
// anything opens it: a spec naming /etc/shadow, or ../../ its way out, or a symlink that points
// outside, is refused with the field and the path.
//
// THREAD SAFETY: pure functions.
#pragma once

#include "common/result.h"
#include "pipeline/pipeline_spec.h"

#include <string>
#include <vector>

namespace ts::cluster {

// The root of `roots` that holds `path` after resolving "..", "." and symlinks (of the parts that
// exist), or InvalidInput naming the path and the roots. Roots are resolved the same way.
common::Expected<std::string> confineToRoots(const std::string& path,
                                             const std::vector<std::string>& roots);

// A file the pipeline's source reads and the field that names it ("stages.source.train.images";
// a CSV source's file is "stages.source.train.file").
struct SourceFile
{
    std::string field;
    std::string path;
};

// The files of `spec`'s source, as its parser resolved them; none for a PostgreSQL source.
std::vector<SourceFile> sourceFiles(const pipeline::PipelineSpec& spec);

// Makes the source read `replacement` wherever it named `path` (an agent's cached copy of a file
// the coordinator sent, cluster/data_offer.h).
void replaceSourceFile(pipeline::PipelineSpec& spec, const std::string& path,
                       const std::string& replacement);

// Checks every file the pipeline's source reads (IDX images and labels, CSV files) against
// `roots`; PostgreSQL sources name no files. Errors name the pipeline field:
// "stages.source.train.images: /etc/passwd is outside the agent's data roots (/data, /scratch)".
common::Result checkPipelinePaths(const pipeline::PipelineSpec& spec,
                                  const std::vector<std::string>& roots);

} // namespace ts::cluster
