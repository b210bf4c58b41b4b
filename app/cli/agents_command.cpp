// The agents live in the experiment store (table agents), so the studio and the CLI share one
// allow-list: a coordinator lets in exactly the agents whose public keys are listed here.
#include "agents_command.h"

#include "cli_common.h"
#include "store/experiment_store.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

namespace ts::cli {
namespace {

using nlohmann::json;

struct AgentsArgs
{
    std::string store;
    bool json = false;
    store::AgentRecord agent;
};

std::string storePathOf(const AgentsArgs& args)
{
    return args.store.empty() ? store::ExperimentStore::defaultPath() : args.store;
}

int listAgents(const AgentsArgs& args)
{
    const std::string path = storePathOf(args);
    std::vector<store::AgentRecord> agents;
    if (std::filesystem::exists(path)) { // listing never creates a store
        auto store = store::ExperimentStore::open(path);
        if (!store)
            return reportError(store.error());
        auto listed = (*store)->agents();
        if (!listed)
            return reportError(listed.error());
        agents = std::move(*listed);
    }
    if (args.json) {
        json out = json::array();
        for (const auto& a : agents)
            out.push_back({ { "name", a.name },
                            { "address", a.address },
                            { "public_key", a.publicKey },
                            { "added_at", a.addedAt },
                            { "last_seen", a.lastSeen > 0 ? json(a.lastSeen) : json(nullptr) } });
        std::printf("%s\n", json { { "store", path }, { "agents", out } }.dump().c_str());
        return ExitOk;
    }
    if (agents.empty()) {
        std::printf(
                "(no agents yet; add one with 'trainstudio-cli agents add NAME ADDRESS KEY')\n");
        return ExitOk;
    }
    std::printf("%-20s %-32s %s\n", "NAME", "ADDRESS", "PUBLIC KEY");
    for (const auto& a : agents)
        std::printf("%-20s %-32s %s\n", a.name.c_str(), a.address.c_str(), a.publicKey.c_str());
    return ExitOk;
}

int addAgent(const AgentsArgs& args)
{
    auto store = store::ExperimentStore::open(storePathOf(args));
    if (!store)
        return reportError(store.error());
    if (auto added = (*store)->addAgent(args.agent); !added)
        return reportError(added.error());
    std::printf("Added agent %s (%s); a coordinator using %s lets it in from now on\n",
                args.agent.name.c_str(), args.agent.address.c_str(), (*store)->path().c_str());
    return ExitOk;
}

int removeAgent(const AgentsArgs& args)
{
    auto store = openExistingStore(args.store);
    if (!store)
        return reportError(store.error());
    if (auto removed = (*store)->removeAgent(args.agent.name); !removed)
        return reportError(removed.error());
    std::printf("Removed agent %s; it can no longer connect\n", args.agent.name.c_str());
    return ExitOk;
}

} // namespace

void addAgentsCommand(CLI::App& app, int& exitCode)
{
    auto args = std::make_shared<AgentsArgs>();
    CLI::App* agents = app.add_subcommand("agents", "The agents a coordinator trusts");
    agents->require_subcommand(1);
    CLI::App* list = agents->add_subcommand("list", "List the trusted agents");
    list->add_flag("--json", args->json, "Print one JSON object (for scripts)");
    CLI::App* add = agents->add_subcommand(
            "add",
            "Trust an agent: its name, address and public key (trainstudio-agent "
            "--show-key on the agent prints it)");
    add->add_option("name", args->agent.name, "A name for the agent")->required();
    add->add_option("address", args->agent.address, "Its address, e.g. tcp://gpu-box:7150")
            ->required();
    add->add_option("key", args->agent.publicKey, "Its public key (40 Z85 characters)")->required();
    CLI::App* remove = agents->add_subcommand("remove", "Stop trusting an agent");
    remove->add_option("name", args->agent.name, "The agent's name")->required();
    for (CLI::App* sub : { list, add, remove })
        addStoreOption(*sub, args->store);
    list->callback([args, &exitCode] { exitCode = listAgents(*args); });
    add->callback([args, &exitCode] { exitCode = addAgent(*args); });
    remove->callback([args, &exitCode] { exitCode = removeAgent(*args); });
}

} // namespace ts::cli
