#include "common/info_only_main.h"

#include "common/paths.h"

#include <cstdio>
#include <cstring>

namespace ts::common {

int runInfoOnlyMain(int argc, char** argv, const char* program, const char* usage)
{
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
            std::fputs(usage, stdout);
            return 0;
        }
        if (!std::strcmp(argv[i], "--version")) {
            std::printf("%s %s\n", program, version());
            return 0;
        }
        std::fprintf(stderr, "%s: unknown option '%s'\n\n%s", program, argv[i], usage);
        return 2;
    }
    std::fprintf(stderr, "%s: not available in this release yet (see --help)\n", program);
    return 2;
}

} // namespace ts::common
