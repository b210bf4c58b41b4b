// "Did you mean ...?" for names a user mistyped: pipeline fields, columns, functions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ts::common {

// Levenshtein distance, ignoring ASCII case.
size_t editDistance(const std::string& a, const std::string& b);

// The candidate closest to `name` when it is at most `maxDistance` edits away (and closer than
// rewriting the whole name), else "".
std::string closestName(const std::string& name, const std::vector<std::string>& candidates,
                        size_t maxDistance);

} // namespace ts::common
