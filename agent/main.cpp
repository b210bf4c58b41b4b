// trainstudio-agent: the daemon that runs job ranks on a lab machine. This release has only
// --help and --version; registration, heartbeats and job execution arrive with the cluster work.
#include "common/paths.h"

#include <cstdio>
#include <cstring>

int main(int argc, char** argv)
{
    const char* usage =
        "Usage: trainstudio-agent [--help] [--version]\n"
        "\n"
        "The TrainStudio agent daemon runs training jobs on a lab machine for a coordinator\n"
        "(the studio or trainstudio-cli).\n"
        "\n"
        "Not yet available in this release: registering with a coordinator, reporting CPUs and\n"
        "GPUs, running job ranks, metric spooling. Until then, train locally with\n"
        "  trainstudio-cli run PIPELINE.json\n"
        "\n"
        "Options:\n"
        "  -h, --help     show this help and exit\n"
        "  --version      print the version and exit\n";
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
            std::fputs(usage, stdout);
            return 0;
        }
        if (!std::strcmp(argv[i], "--version")) {
            std::printf("trainstudio-agent %s\n", ts::common::version());
            return 0;
        }
        std::fprintf(stderr, "trainstudio-agent: unknown option '%s'\n\n%s", argv[i], usage);
        return 2;
    }
    std::fprintf(stderr, "trainstudio-agent: the agent daemon is not available in this release "
                         "(see --help)\n");
    return 2;
}
