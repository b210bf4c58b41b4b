// Whole files in and out, for the small files TrainStudio hands between processes (a job's
// assignment and rendezvous table, checkpoints in transit, exports).
//
// writeFileAtomically writes "<path>.part" and renames it over `path`, so a reader -- another
// process polling for the file, or a user -- sees the old content or the new, never a part, and a
// failed write leaves an earlier file untouched. (Checkpoints written by the trainer also fsync;
// nn/checkpoint.h does that itself.)
//
// THREAD SAFETY: two writers of one path at once would share "<path>.part".
#pragma once

#include "common/result.h"

#include <string>
#include <string_view>

namespace ts::common {

// The bytes of `path`; NotFound when it does not exist, Io when it cannot be read.
Expected<std::string> readFileBytes(const std::string& path);

// Replaces `path` with `bytes` (its folder must exist); Io naming the path on failure.
Result writeFileAtomically(const std::string& path, std::string_view bytes);

} // namespace ts::common
