// trainstudio-agent: the daemon that runs job ranks on a lab machine. This release has only
// --help and --version; registration, heartbeats and job execution arrive with the cluster work.
#include "common/info_only_main.h"

int main(int argc, char** argv)
{
    return ts::common::runInfoOnlyMain(
            argc, argv, "trainstudio-agent",
            "Usage: trainstudio-agent [--help] [--version]\n"
            "\n"
            "The TrainStudio agent daemon runs training jobs on a lab machine for a coordinator\n"
            "(the studio or trainstudio-cli).\n"
            "\n"
            "Not yet available in this release: registering with a coordinator, reporting CPUs "
            "and\n"
            "GPUs, running job ranks, metric spooling. Until then, train locally with\n"
            "  trainstudio-cli run PIPELINE.json\n"
            "\n"
            "Options:\n"
            "  -h, --help     show this help and exit\n"
            "  --version      print the version and exit\n");
}
