#include "cluster/coordinator_server.h"

#include "cluster/job_control.h"
#include "net/message_socket.h"
#include "net/zap_authenticator.h"

#include <atomic>
#include <mutex>
#include <thread>

namespace ts::cluster {

using common::Error;
using common::ErrorKind;

struct CoordinatorServer::Private
{
    CoordinatorOptions options;
    zmq::context_t context;
    std::unique_ptr<net::ZapAuthenticator> zap; // before the socket: it answers its handshakes
    std::unique_ptr<zmq::socket_t> router;
    std::string endpoint;
    std::unique_ptr<JobControl> jobs; // with a store only; the serving thread's
    std::set<std::string> allowed;    // keys given to the ZAP handler so far
    std::set<std::string> fromStore;  // those of them that came from the store's agents
    std::set<std::string> revoked;    // removed from the store since: their messages are refused
    Clock::time_point lastSchedule, lastAllowList;

    mutable std::mutex mutex; // guards what follows
    AgentRegistry registry { std::chrono::milliseconds(3000) };
    std::vector<std::string> events;
    int64_t refused = 0;
    std::string lastRefusal;

    std::atomic<bool> stop { false };
    std::thread thread;

    void serve();
    void handle(net::Received& received);
    std::vector<AgentState> agents() const
    {
        std::lock_guard lock(mutex);
        return registry.agents();
    }
    void note(const std::string& line)
    {
        std::lock_guard lock(mutex);
        events.push_back(line);
    }
    void runJobs(Clock::time_point now);
    void refuse(const std::string& reason)
    {
        std::lock_guard lock(mutex);
        ++refused;
        lastRefusal = reason;
    }
};

void CoordinatorServer::Private::handle(net::Received& received)
{
    const wire::Header& header = received.message.header;
    const auto now = Clock::now();
    if (!revoked.empty()) {
        const std::string key = net::userIdOf(received);
        if (revoked.count(key)) {
            refuse("a message from agent key " + key + ", which was removed from the allow-list");
            return;
        }
    }
    wire::Header reply;
    switch (header.type()) {
    case wire::REGISTER: {
        const wire::Register& info = header.register_();
        if (info.agent_id().empty()) {
            refuse("a REGISTER without an agent id");
            return;
        }
        {
            std::lock_guard lock(mutex);
            registry.registerAgent(received.routingId, info, now);
            events.push_back("agent " + info.agent_id() + " registered (host " + info.host() + ", "
                             + std::to_string(info.cpus()) + " CPUs)");
        }
        if (jobs)
            for (const AgentState& agent : agents())
                if (agent.id == info.agent_id())
                    jobs->agentRegistered(agent);
        reply.set_type(wire::REGISTERED);
        break;
    }
    case wire::RECORDS: {
        std::string agentId;
        {
            std::lock_guard lock(mutex);
            registry.heartbeat(received.routingId, now); // records prove it alive as well
            for (const AgentState& agent : registry.agents())
                if (agent.routingId == received.routingId)
                    agentId = agent.id;
        }
        if (agentId.empty() || !jobs) {
            refuse("records from an agent that is not registered");
            return;
        }
        if (auto applied = jobs->apply(agentId, header.records(), received.message.payloads);
            !applied) {
            note(applied.error().message()); // no ACK: the agent sends the batch again
            return;
        }
        reply.set_type(wire::ACK);
        reply.mutable_ack()->set_sequence(header.sequence());
        break;
    }
    case wire::HEARTBEAT: {
        bool known = false;
        {
            std::lock_guard lock(mutex);
            known = registry.heartbeat(received.routingId, now);
        }
        if (!known) { // a coordinator restarted, or an agent it had given up on: start over
            reply.set_type(wire::ERROR);
            reply.mutable_error()->set_message("not registered; register again");
            break;
        }
        reply.set_type(wire::HEARTBEAT);
        reply.mutable_heartbeat()->set_time(
                std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                        .count());
        break;
    }
    case wire::FETCH_DATA: {
        bool known = false;
        {
            std::lock_guard lock(mutex);
            known = registry.heartbeat(received.routingId, now); // a transfer proves it alive
        }
        if (!known || !jobs) {
            refuse("a data fetch from an agent that is not registered");
            return;
        }
        std::string bytes;
        reply.set_type(wire::DATA_CHUNK);
        *reply.mutable_data_chunk() = jobs->serveData(header.fetch_data(), bytes);
        reply.set_sequence(header.sequence());
        const std::string_view payload[] = { bytes };
        (void)net::sendMessage(*router, reply,
                               reply.data_chunk().error().empty()
                                       ? std::span<const std::string_view>(payload)
                                       : std::span<const std::string_view>(),
                               received.routingId);
        return;
    }
    default:
        refuse("an unexpected " + net::typeName(header.type()) + " message from an agent");
        return;
    }
    reply.set_sequence(header.sequence());
    (void)net::sendMessage(*router, reply, {}, received.routingId); // a gone peer is dropped
}

// Every 200 ms: the queue (placements, cancellations, lost agents' jobs); every 2 s: the
// allow-list of the store.
void CoordinatorServer::Private::runJobs(Clock::time_point now)
{
    static constexpr auto ScheduleEvery = std::chrono::milliseconds(200);
    static constexpr auto AllowListEvery = std::chrono::seconds(2);
    if (now - lastAllowList >= AllowListEvery) {
        lastAllowList = now;
        const std::set<std::string> listed = jobs->allowedKeys();
        for (const std::string& key : listed) {
            revoked.erase(key); // added back
            if (allowed.insert(key).second) {
                zap->allow(key);
                fromStore.insert(key);
            }
        }
        for (auto key = fromStore.begin(); key != fromStore.end();) {
            if (listed.count(*key) || options.allowedAgents.count(*key)) {
                ++key;
                continue;
            }
            zap->disallow(*key); // `agents remove`: no new connection, no more messages
            allowed.erase(*key);
            revoked.insert(*key);
            note("agent key " + *key + " removed from the allow-list");
            key = fromStore.erase(key);
        }
    }
    if (now - lastSchedule < ScheduleEvery)
        return;
    lastSchedule = now;
    for (Outgoing& message : jobs->schedule(agents(), now)) {
        std::vector<std::string_view> payloads(message.payloads.begin(), message.payloads.end());
        (void)net::sendMessage(*router, message.header, payloads, message.routingId);
    }
    for (const std::string& line : jobs->takeLog())
        note(line);
}

void CoordinatorServer::Private::serve()
{
    while (!stop) {
        auto received = net::receiveMessage(*router, true, std::chrono::milliseconds(50));
        if (!received)
            refuse(received.error().message());
        else if (*received)
            handle(**received);
        const auto now = Clock::now();
        {
            std::lock_guard lock(mutex);
            for (const std::string& id : registry.expire(now))
                events.push_back("agent " + id + " lost (no heartbeat for "
                                 + std::to_string(options.heartbeatTimeout.count()) + " ms)");
        }
        if (jobs)
            runJobs(now);
    }
}

CoordinatorServer::CoordinatorServer(std::unique_ptr<Private> d)
    : d(std::move(d))
{}

CoordinatorServer::~CoordinatorServer()
{
    d->stop = true;
    if (d->thread.joinable())
        d->thread.join();
}

common::Expected<std::unique_ptr<CoordinatorServer>>
CoordinatorServer::start(CoordinatorOptions options)
{
    auto d = std::make_unique<Private>();
    d->options = std::move(options);
    d->registry = AgentRegistry(d->options.heartbeatTimeout);
    d->allowed = d->options.allowedAgents;
    if (!d->options.storePath.empty()) {
        auto jobs = JobControl::open(d->options.storePath, 2 * d->options.heartbeatTimeout);
        if (!jobs)
            return std::move(jobs).error();
        d->jobs = std::move(*jobs);
        d->jobs->setDeliverData(d->options.deliverData);
        for (const std::string& key : d->jobs->allowedKeys())
            if (d->allowed.insert(key).second)
                d->fromStore.insert(key);
    }
    d->zap = std::make_unique<net::ZapAuthenticator>(d->context, d->allowed);
    d->router = std::make_unique<zmq::socket_t>(d->context, zmq::socket_type::router);
    net::applyLimits(*d->router);
    d->router->set(zmq::sockopt::curve_server, 1);
    d->router->set(zmq::sockopt::curve_secretkey, d->options.keys.secretKey);
    // A reconnecting agent takes over its routing id instead of being refused.
    d->router->set(zmq::sockopt::router_handover, 1);
    try {
        d->router->bind(d->options.endpoint);
    } catch (const zmq::error_t& e) {
        return Error(ErrorKind::Io,
                     "cannot listen for agents on " + d->options.endpoint + ": " + e.what());
    }
    d->endpoint = d->router->get(zmq::sockopt::last_endpoint);
    Private* p = d.get();
    d->thread = std::thread([p] { p->serve(); });
    return std::unique_ptr<CoordinatorServer>(new CoordinatorServer(std::move(d)));
}

std::string CoordinatorServer::endpoint() const
{
    return d->endpoint;
}

std::vector<AgentState> CoordinatorServer::agents() const
{
    std::lock_guard lock(d->mutex);
    return d->registry.agents();
}

int64_t CoordinatorServer::refusedMessages() const
{
    std::lock_guard lock(d->mutex);
    return d->refused;
}

std::string CoordinatorServer::lastRefusal() const
{
    std::lock_guard lock(d->mutex);
    return d->lastRefusal;
}

std::vector<std::string> CoordinatorServer::events() const
{
    std::lock_guard lock(d->mutex);
    return d->events;
}

std::vector<std::string> CoordinatorServer::eventsSince(size_t from) const
{
    std::lock_guard lock(d->mutex);
    if (from >= d->events.size())
        return {};
    return { d->events.begin() + std::ptrdiff_t(from), d->events.end() };
}

} // namespace ts::cluster
