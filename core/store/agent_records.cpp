// ExperimentStore: the agents the coordinator trusts (table agents, schema v5). Their public keys
// are the coordinator's allow-list; the store keeps them so the studio and the CLI share one list.
#include "net/curve_keys.h" // for isZ85Key
#include "store/experiment_store.h"
#include "store/experiment_store_private.h"

#include <chrono>

namespace ts::store {

common::Result ExperimentStore::addAgent(const AgentRecord& agent)
{
    using common::Error;
    using common::ErrorKind;
    if (agent.name.empty())
        return Error(ErrorKind::InvalidInput, "an agent needs a name");
    if (!net::isZ85Key(agent.publicKey))
        return Error(ErrorKind::InvalidInput,
                     "agent '" + agent.name + "': '" + agent.publicKey
                             + "' is not a public key (40 Z85 characters, as "
                               "'trainstudio-agent --show-key' prints it)");
    for (const char* column : { "name", "public_key" }) {
        auto existing = Statement::prepare(d->db.get(), d->path,
                                           std::string("SELECT name FROM agents WHERE ") + column
                                                   + " = ?1");
        TS_TRY(existing);
        existing->bind(1, std::string(column) == "name" ? agent.name : agent.publicKey);
        auto row = existing->step();
        TS_TRY(row);
        if (*row)
            return Error(ErrorKind::InvalidInput,
                         std::string(column) == "name"
                                 ? "an agent named '" + agent.name + "' is already there"
                                 : "agent '" + existing->textAt(0) + "' already has this key");
    }
    const double now =
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                    .count();
    auto insert = Statement::prepare(d->db.get(), d->path,
                                     "INSERT INTO agents (name, address, public_key, added_at) "
                                     "VALUES (?1, ?2, ?3, ?4)");
    TS_TRY(insert);
    return insert->bind(1, agent.name)
            .bind(2, agent.address)
            .bind(3, agent.publicKey)
            .bind(4, now)
            .run();
}

common::Result ExperimentStore::removeAgent(const std::string& name)
{
    auto remove = Statement::prepare(d->db.get(), d->path, "DELETE FROM agents WHERE name = ?1");
    TS_TRY(remove);
    TS_TRY(remove->bind(1, name).run());
    if (sqlite3_changes(d->db.get()) == 0)
        return common::Error(common::ErrorKind::NotFound,
                             "no agent named '" + name + "' in " + d->path);
    return {};
}

common::Expected<std::vector<AgentRecord>> ExperimentStore::agents()
{
    auto query = Statement::prepare(d->db.get(), d->path,
                                    "SELECT name, address, public_key, added_at, last_seen "
                                    "FROM agents ORDER BY name");
    TS_TRY(query);
    std::vector<AgentRecord> out;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            return out;
        out.push_back({ query->textAt(0), query->textAt(1), query->textAt(2), query->doubleAt(3),
                        query->isNull(4) ? 0 : query->doubleAt(4) });
    }
}

} // namespace ts::store
