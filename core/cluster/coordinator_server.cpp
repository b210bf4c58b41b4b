#include "cluster/coordinator_server.h"

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

    mutable std::mutex mutex; // guards what follows
    AgentRegistry registry { std::chrono::milliseconds(3000) };
    std::vector<std::string> events;
    int64_t refused = 0;
    std::string lastRefusal;

    std::atomic<bool> stop { false };
    std::thread thread;

    void serve();
    void handle(net::Received& received);
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
        reply.set_type(wire::REGISTERED);
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
    default:
        refuse("an unexpected " + net::typeName(header.type()) + " message from an agent");
        return;
    }
    reply.set_sequence(header.sequence());
    (void)net::sendMessage(*router, reply, {}, received.routingId); // a gone peer is dropped
}

void CoordinatorServer::Private::serve()
{
    while (!stop) {
        auto received = net::receiveMessage(*router, true, std::chrono::milliseconds(100));
        if (!received)
            refuse(received.error().message());
        else if (*received)
            handle(**received);
        std::lock_guard lock(mutex);
        for (const std::string& id : registry.expire(Clock::now()))
            events.push_back("agent " + id + " lost (no heartbeat for "
                             + std::to_string(options.heartbeatTimeout.count()) + " ms)");
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
    d->zap = std::make_unique<net::ZapAuthenticator>(d->context, d->options.allowedAgents);
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

} // namespace ts::cluster
