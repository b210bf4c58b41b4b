#include "cluster/agent_client.h"

#include "cluster/host_info.h"
#include "net/message_socket.h"

namespace ts::cluster {

using common::Error;
using common::ErrorKind;
using SteadyClock = std::chrono::steady_clock;

namespace {

common::Result sendRegister(zmq::socket_t& socket, const AgentOptions& options, uint64_t sequence,
                            const JobHost* jobs)
{
    wire::Header header;
    header.set_type(wire::REGISTER);
    header.set_sequence(sequence);
    wire::Register& info = *header.mutable_register_();
    info = describeHost(options.agentId);
    info.set_cpu_slots(options.slots);
    if (jobs)
        for (const wire::RunningJob& job : jobs->runningJobs())
            *info.add_running() = job;
    return net::sendMessage(socket, header);
}

common::Result sendHeartbeat(zmq::socket_t& socket, uint64_t sequence, uint32_t running)
{
    wire::Header header;
    header.set_type(wire::HEARTBEAT);
    header.set_sequence(sequence);
    header.mutable_heartbeat()->set_time(
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                    .count());
    header.mutable_heartbeat()->set_running_ranks(running);
    return net::sendMessage(socket, header);
}

// The batch of spooled records in flight: sent, not yet acknowledged.
struct Forwarding
{
    uint64_t lastSequence = 0; // 0 = nothing in flight
    SteadyClock::time_point sentAt;
};

constexpr size_t BatchBytes = 8u << 20;                  // records per RECORDS message, about
constexpr std::chrono::milliseconds AckTimeout { 5000 }; // then the batch goes again

common::Result forward(zmq::socket_t& socket, JobHost& jobs, Forwarding& inFlight,
                       SteadyClock::time_point now)
{
    if (inFlight.lastSequence != 0 && now - inFlight.sentAt < AckTimeout)
        return {};
    auto batch = jobs.pendingRecords(BatchBytes);
    TS_TRY(batch);
    if (batch->records.records_size() == 0) {
        inFlight.lastSequence = 0;
        return {};
    }
    wire::Header header;
    header.set_type(wire::RECORDS);
    header.set_sequence(batch->lastSequence);
    *header.mutable_records() = std::move(batch->records);
    std::vector<std::string_view> payloads(batch->payloads.begin(), batch->payloads.end());
    TS_TRY(net::sendMessage(socket, header, payloads));
    inFlight = { batch->lastSequence, now };
    return {};
}

} // namespace

common::Result runAgent(const AgentOptions& options, const std::atomic<bool>& stop,
                        const std::function<void(const std::string&)>& log, JobHost* jobs)
{
    if (!net::isZ85Key(options.coordinatorKey))
        return Error(ErrorKind::InvalidInput,
                     "the coordinator key must be its 40-character Z85 public key");
    if (options.agentId.empty())
        return Error(ErrorKind::InvalidInput, "the agent needs an id");
    zmq::context_t context;
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    net::applyLimits(socket);
    socket.set(zmq::sockopt::routing_id, options.agentId); // a reconnect keeps its identity
    socket.set(zmq::sockopt::curve_serverkey, options.coordinatorKey);
    socket.set(zmq::sockopt::curve_publickey, options.keys.publicKey);
    socket.set(zmq::sockopt::curve_secretkey, options.keys.secretKey);
    try {
        socket.connect(options.coordinator);
    } catch (const zmq::error_t& e) {
        return Error(ErrorKind::InvalidInput,
                     "cannot connect to " + options.coordinator + ": " + e.what());
    }

    // A send fails while no connection is up (refused, or the coordinator is away): that is an
    // outage, not an error. It is said once, and the next turn of the loop tries again.
    std::string sendFailure;
    const auto trySend = [&](common::Result sent) {
        if (!sent && sent.error().message() != sendFailure)
            log("cannot reach the coordinator now (" + sent.error().message() + "); trying again");
        sendFailure = sent ? std::string() : sent.error().message();
    };
    uint64_t sequence = 0;
    trySend(sendRegister(socket, options, ++sequence, jobs));
    const auto started = SteadyClock::now();
    bool registered = false;
    bool everRegistered = false; // later silences are outages, not a wrong address or key
    auto lastHeard = SteadyClock::now();
    auto lastSent = SteadyClock::now();
    Forwarding inFlight;
    while (!stop) {
        auto received = net::receiveMessage(socket, false, std::chrono::milliseconds(50));
        const auto now = SteadyClock::now();
        if (!received) {
            log("refused a message from the coordinator: " + received.error().message());
        } else if (*received) {
            lastHeard = now;
            const wire::Header& header = (*received)->message.header;
            if (header.type() == wire::REGISTERED) {
                registered = true;
                everRegistered = true;
                inFlight = {}; // a new session: what was in flight goes again
                log("registered with " + options.coordinator);
            } else if (header.type() == wire::ASSIGN && jobs) {
                const wire::Assign& a = header.assign();
                log("job " + std::to_string(a.job()) + " attempt " + std::to_string(a.attempt())
                    + ": starting rank " + std::to_string(a.rank()));
                jobs->assign(a, (*received)->message.payloads);
            } else if (header.type() == wire::CANCEL && jobs) {
                log("job " + std::to_string(header.cancel().job()) + ": cancelling ("
                    + header.cancel().reason() + ")");
                jobs->cancel(header.cancel().job(), header.cancel().attempt(),
                             header.cancel().reason());
            } else if (header.type() == wire::DATA_CHUNK && jobs) {
                const auto& payloads = (*received)->message.payloads;
                jobs->dataChunk(header.data_chunk(),
                                payloads.empty() ? std::string_view() : payloads[0]);
            } else if (header.type() == wire::RENDEZVOUS && jobs) {
                jobs->rendezvous(header.rendezvous());
            } else if (header.type() == wire::ACK && jobs) {
                if (inFlight.lastSequence != 0
                    && header.ack().sequence() >= inFlight.lastSequence) {
                    if (common::Result done = jobs->acknowledge(inFlight.lastSequence); !done)
                        log("cannot clear the spool: " + done.error().message());
                    inFlight = {}; // what was not cleared goes again, and is stored once
                }
            } else if (header.type() == wire::ERROR) {
                log("coordinator: " + header.error().message());
                trySend(sendRegister(socket, options, ++sequence, jobs));
            }
        }
        if (!everRegistered && now - started > options.registerTimeout)
            return Error(ErrorKind::Io,
                         "the coordinator at " + options.coordinator + " did not answer within "
                                 + std::to_string(options.registerTimeout.count() / 1000)
                                 + " s; check the address, and that this agent's public key is on "
                                   "its allow-list (trainstudio-agent --show-key)");
        if (!registered && now - lastHeard > 3 * options.heartbeatInterval) {
            lastHeard = now; // no answer yet, or the coordinator is away: ask every 3 intervals
            trySend(sendRegister(socket, options, ++sequence, jobs));
        }
        if (registered && now - lastHeard > 3 * options.heartbeatInterval) {
            log("coordinator silent for "
                + std::to_string(3 * options.heartbeatInterval.count() / 1000.0).substr(0, 4)
                + " s; registering again");
            registered = false;
            lastHeard = now;
            trySend(sendRegister(socket, options, ++sequence, jobs));
        }
        if (registered && now - lastSent >= options.heartbeatInterval) {
            lastSent = now;
            trySend(sendHeartbeat(socket, ++sequence, jobs ? jobs->runningRanks() : 0));
        }
        if (jobs) {
            jobs->poll();
            if (registered) {
                if (common::Result sent = forward(socket, *jobs, inFlight, now); !sent)
                    log("cannot forward records: " + sent.error().message());
                for (const wire::FetchData& fetch : jobs->dataRequests(now)) {
                    wire::Header request;
                    request.set_type(wire::FETCH_DATA);
                    request.set_sequence(++sequence);
                    *request.mutable_fetch_data() = fetch;
                    trySend(net::sendMessage(socket, request)); // unanswered: asked again later
                }
            }
        }
    }
    return {};
}

} // namespace ts::cluster
