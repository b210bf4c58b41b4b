// trainstudio-agent: the daemon that runs job ranks on a lab machine. This release sets up the
// agent's identity (--init: its CURVE key pair, like ssh-keygen); registering with a coordinator,
// heartbeats and job execution come next.
#include "common/paths.h"
#include "net/curve_keys.h"

#include <CLI/CLI.hpp>

#include <cstdio>

namespace {

enum ExitCode { ExitOk = 0, ExitFailure = 1, ExitBadInput = 2 };

int fail(const ts::common::Error& error)
{
    std::fprintf(stderr, "trainstudio-agent: error: %s\n", error.message().c_str());
    return ts::common::isUserError(error.kind()) ? ExitBadInput : ExitFailure;
}

int init(const std::string& folder)
{
    auto keys = ts::net::generateKeyPair();
    if (!keys)
        return fail(keys.error());
    if (auto saved = ts::net::saveKeyPair(*keys, folder, "agent"); !saved)
        return fail(saved.error());
    std::printf("Created this agent's key pair in %s:\n"
                "  agent.key  the secret key (mode 0600; never copy it to another machine)\n"
                "  agent.pub  the public key\n"
                "Add the agent to a coordinator with its address and this public key:\n"
                "  %s\n",
                folder.c_str(), keys->publicKey.c_str());
    return ExitOk;
}

int showKey(const std::string& folder)
{
    auto keys = ts::net::loadKeyPair(folder, "agent");
    if (!keys)
        return fail(keys.error());
    std::printf("%s\n", keys->publicKey.c_str());
    return ExitOk;
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app { "The TrainStudio agent daemon runs training jobs on a lab machine for a "
                   "coordinator (the studio or trainstudio-cli).\n"
                   "Not yet available in this release: registering with a coordinator, running "
                   "job ranks. Until then, train locally with trainstudio-cli run PIPELINE.json",
                   "trainstudio-agent" };
    app.set_version_flag("--version", std::string("trainstudio-agent ") + ts::common::version());
    bool initKeys = false;
    bool printKey = false;
    std::string folder = ts::common::userConfigDir() + "/keys";
    app.add_flag("--init", initKeys,
                 "Create this agent's CURVE key pair (agent.key, agent.pub) and print the public "
                 "key to give to the coordinator");
    app.add_flag("--show-key", printKey, "Print this agent's public key");
    app.add_option("--keys", folder, "Folder of the key files (default: " + folder + ")");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? ExitOk : ExitBadInput;
    }
    if (initKeys && printKey) {
        std::fprintf(stderr, "trainstudio-agent: error: give --init or --show-key, not both\n");
        return ExitBadInput;
    }
    if (initKeys)
        return init(folder);
    if (printKey)
        return showKey(folder);
    std::printf("%s", app.help().c_str());
    return ExitOk;
}
