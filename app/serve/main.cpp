// trainstudio-serve: the inference service for deployment bundles. This release has only --help
// and --version; serving, drift monitoring and A/B routing arrive with the deploy work.
#include "common/info_only_main.h"

int main(int argc, char** argv)
{
    return ts::common::runInfoOnlyMain(
            argc, argv, "trainstudio-serve",
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
            "  --version      print the version and exit\n");
}
