// The main() of a program whose real work arrives in a later release: it answers --help and
// --version and refuses everything else with exit code 2, saying what is not available yet.
#pragma once

namespace ts::common {

// `usage` is the whole --help text; `program` the executable's name ("trainstudio-agent").
int runInfoOnlyMain(int argc, char** argv, const char* program, const char* usage);

} // namespace ts::common
