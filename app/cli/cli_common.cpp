#include "cli_common.h"

#include <cstdio>

namespace ts::cli {

int reportError(const common::Error& error)
{
    std::fprintf(stderr, "trainstudio-cli: error: %s\n", error.message().c_str());
    return common::isUserError(error.kind()) ? ExitBadInput : ExitFailure;
}

} // namespace ts::cli
