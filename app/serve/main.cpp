// trainstudio-serve: the inference service for deployment bundles. This release has only --help
// and --version; serving, drift monitoring and A/B routing arrive with the deploy work.
#include "common/paths.h"

#include <cstdio>
#include <cstring>

int main(int argc, char** argv)
{
    const char* usage =
        "Usage: trainstudio-serve [--help] [--version]\n"
        "\n"
        "The TrainStudio inference service serves a signed deployment bundle over HTTP.\n"
        "\n"
        "Not yet available in this release: loading bundles, POST /v1/predict, /healthz,\n"
        "/metrics, drift monitoring and A/B routing. Trained runs are kept in the store:\n"
        "  trainstudio-cli runs list\n"
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
            std::printf("trainstudio-serve %s\n", ts::common::version());
            return 0;
        }
        std::fprintf(stderr, "trainstudio-serve: unknown option '%s'\n\n%s", argv[i], usage);
        return 2;
    }
    std::fprintf(stderr, "trainstudio-serve: serving is not available in this release "
                         "(see --help)\n");
    return 2;
}
