#include "dist/data_plane.h"

#include "net/message_socket.h"
#include "net/zap_authenticator.h"

#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace ts::dist {

namespace {

// This machine's identity: two ranks with the same one can reach each other's Unix sockets.
std::string machineId()
{
    for (const char* file : { "/etc/machine-id", "/proc/sys/kernel/random/boot_id" }) {
        std::ifstream in(file);
        std::string id;
        if (in >> id && !id.empty())
            return id;
    }
    return {};
}

// The parts of an endpoint string: "tcp://h:p [ipc://path machine=<id>]".
struct EndpointParts
{
    std::string tcp;
    std::string ipc;
    std::string machine;
};

EndpointParts partsOf(const std::string& endpoint)
{
    EndpointParts parts;
    std::istringstream words(endpoint);
    std::string word;
    while (words >> word) {
        if (word.rfind("tcp://", 0) == 0)
            parts.tcp = word;
        else if (word.rfind("ipc://", 0) == 0)
            parts.ipc = word;
        else if (word.rfind("machine=", 0) == 0)
            parts.machine = word.substr(8);
    }
    return parts;
}

} // namespace

using common::Error;
using common::ErrorKind;
using Clock = std::chrono::steady_clock;

struct DataPlane::Private
{
    zmq::context_t context;
    std::unique_ptr<net::ZapAuthenticator> zap; // answers the ROUTER's handshakes
    std::unique_ptr<zmq::socket_t> router;
    std::unique_ptr<zmq::socket_t> localRouter; // the same-host Unix socket, plain
    std::string localFolder;                    // its 0700 folder, removed with the plane
    std::string machine;
    int localPeers = 0;
    std::vector<std::unique_ptr<zmq::socket_t>> peers; // one DEALER per other rank
    net::KeyPair keys;
    int rank = 0;
    int worldSize = 1;
    std::string endpoint;
    std::vector<int> peerSocket; // rank -> index in `peers`, -1 for this rank
    std::map<std::pair<int, std::string>, std::deque<DataPlane::Tensor>> inbox;

    // The next tensor that arrives on the socket within `timeout`, if any, its values still in
    // the received message. Other messages (late hellos) and refused ones are dropped: a refused
    // sender's tensor never comes.
    std::optional<DataPlane::Tensor> receiveOne(std::chrono::milliseconds timeout)
    {
        zmq::socket_t* from = router.get();
        if (localRouter) {
            zmq::pollitem_t items[] = { { router->handle(), 0, ZMQ_POLLIN, 0 },
                                        { localRouter->handle(), 0, ZMQ_POLLIN, 0 } };
            if (zmq::poll(items, 2, timeout) <= 0)
                return std::nullopt;
            from = (items[1].revents & ZMQ_POLLIN) ? localRouter.get() : router.get();
            timeout = std::chrono::milliseconds(0);
        }
        auto received = net::receiveMessage(*from, true, timeout);
        if (!received || !*received)
            return std::nullopt;
        auto message = std::make_shared<net::Received>(std::move(**received));
        const wire::Header& header = message->message.header;
        if (header.type() != wire::TENSOR || message->message.payloads.empty())
            return std::nullopt;
        const std::string_view payload = message->message.payloads.front();
        DataPlane::Tensor tensor { header.rank(), header.tensor().name(), {}, message };
        const size_t count = payload.size() / sizeof(float);
        if (reinterpret_cast<uintptr_t>(payload.data()) % alignof(float) == 0) {
            tensor.values = { reinterpret_cast<const float*>(payload.data()), count };
        } else { // ZeroMQ's buffers are aligned in practice; never read a float misaligned
            auto copy = std::make_shared<std::vector<float>>(count);
            if (count > 0)
                std::memcpy(copy->data(), payload.data(), count * sizeof(float));
            tensor.values = *copy;
            tensor.owner = copy;
        }
        return tensor;
    }
};

DataPlane::DataPlane(std::unique_ptr<Private> d)
    : d(std::move(d))
{}

DataPlane::~DataPlane()
{
    d->peers.clear();
    d->router.reset();
    d->localRouter.reset();
    d->zap.reset();
    if (!d->localFolder.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(d->localFolder, ec);
    }
}

int DataPlane::peersOnThisMachine() const
{
    return d->localPeers;
}

std::string DataPlane::endpoint() const
{
    return d->endpoint;
}

common::Expected<std::unique_ptr<DataPlane>> DataPlane::bind(const std::string& host,
                                                             const net::KeyPair& jobKeys, int rank,
                                                             int worldSize, bool sameHostShortcut)
{
    if (!net::isZ85Key(jobKeys.publicKey) || !net::isZ85Key(jobKeys.secretKey))
        return Error(ErrorKind::InvalidInput,
                     "the job's data-plane key pair is not a CURVE key pair");
    auto d = std::make_unique<Private>();
    d->keys = jobKeys;
    d->rank = rank;
    d->worldSize = worldSize;
    // Only the holders of the job's key pair -- its ranks -- get through.
    d->zap = std::make_unique<net::ZapAuthenticator>(d->context,
                                                     std::set<std::string> { jobKeys.publicKey });
    d->router = std::make_unique<zmq::socket_t>(d->context, zmq::socket_type::router);
    net::applyLimits(*d->router);
    d->router->set(zmq::sockopt::curve_server, 1);
    d->router->set(zmq::sockopt::curve_secretkey, jobKeys.secretKey);
    try {
        d->router->bind("tcp://" + host + ":*");
    } catch (const zmq::error_t& e) {
        return Error(ErrorKind::Io,
                     "rank " + std::to_string(rank) + ": cannot listen for its peers on " + host
                             + ": " + e.what());
    }
    // last_endpoint names the address bound ("tcp://127.0.0.1:41234"); peers use the host name.
    const std::string bound = d->router->get(zmq::sockopt::last_endpoint);
    d->endpoint = "tcp://" + host + bound.substr(bound.rfind(':'));
    d->machine = machineId();
    if (sameHostShortcut && !d->machine.empty()) {
        // A short path: a Unix socket's name has room for about 100 bytes.
        const char* runtime = std::getenv("XDG_RUNTIME_DIR");
        std::string pattern =
                std::string(runtime && *runtime ? runtime : "/tmp") + "/ts-plane-XXXXXX";
        if (pattern.size() < 80 && ::mkdtemp(pattern.data())) { // mkdtemp makes it mode 0700
            d->localFolder = pattern;
            d->localRouter = std::make_unique<zmq::socket_t>(d->context, zmq::socket_type::router);
            net::applyLimits(*d->localRouter);
            const std::string local = "ipc://" + pattern + "/rank-" + std::to_string(rank);
            try {
                d->localRouter->bind(local);
                d->endpoint += " " + local + " machine=" + d->machine;
            } catch (const zmq::error_t&) {
                d->localRouter.reset(); // peers use TCP then
            }
        }
    }
    return std::unique_ptr<DataPlane>(new DataPlane(std::move(d)));
}

common::Result DataPlane::connect(const std::vector<std::string>& endpoints,
                                  std::chrono::milliseconds timeout,
                                  const std::atomic<bool>* cancel)
{
    if (int(endpoints.size()) != d->worldSize)
        return Error(ErrorKind::InvalidInput,
                     "a rendezvous of " + std::to_string(endpoints.size()) + " ranks for a job of "
                             + std::to_string(d->worldSize));
    d->peerSocket.assign(size_t(d->worldSize), -1);
    for (int peer = 0; peer < d->worldSize; ++peer) {
        if (peer == d->rank)
            continue;
        d->peerSocket[size_t(peer)] = int(d->peers.size());
        auto socket = std::make_unique<zmq::socket_t>(d->context, zmq::socket_type::dealer);
        net::applyLimits(*socket);
        // What a rank sent last (its last gradient chunk, a worker's "done") must still reach
        // the peer when the rank closes right after: wait up to 10 s for it, not 0 as the
        // control plane does.
        socket->set(zmq::sockopt::linger, 10000);
        socket->set(zmq::sockopt::routing_id, "rank-" + std::to_string(d->rank));
        const EndpointParts parts = partsOf(endpoints[size_t(peer)]);
        const bool local = d->localRouter && !parts.ipc.empty() && parts.machine == d->machine;
        if (!local) {
            socket->set(zmq::sockopt::curve_serverkey, d->keys.publicKey);
            socket->set(zmq::sockopt::curve_publickey, d->keys.publicKey);
            socket->set(zmq::sockopt::curve_secretkey, d->keys.secretKey);
        }
        d->localPeers += local ? 1 : 0;
        try {
            socket->connect(local ? parts.ipc : parts.tcp);
        } catch (const zmq::error_t& e) {
            return Error(ErrorKind::InvalidInput,
                         "rank " + std::to_string(peer) + "'s endpoint '" + endpoints[size_t(peer)]
                                 + "': " + e.what());
        }
        wire::Header hello;
        hello.set_type(wire::HEARTBEAT);
        hello.set_rank(d->rank);
        hello.mutable_heartbeat()->set_time(0);
        TS_TRY(net::sendMessage(*socket, hello)); // queued until the connection is up
        d->peers.push_back(std::move(socket));
    }
    std::set<int> heard;
    const auto deadline = Clock::now() + timeout;
    while (int(heard.size()) < d->worldSize - 1) {
        if (cancel && *cancel)
            return Error(ErrorKind::Io,
                         "rank " + std::to_string(d->rank)
                                 + ": cancelled while waiting for its peers");
        if (Clock::now() > deadline) {
            std::string missing;
            for (int peer = 0; peer < d->worldSize; ++peer)
                if (peer != d->rank && !heard.count(peer))
                    missing += (missing.empty() ? "" : ", ") + std::to_string(peer);
            return Error(ErrorKind::Io,
                         "rank " + std::to_string(d->rank) + ": no hello from rank(s) " + missing
                                 + " within " + std::to_string(timeout.count() / 1000) + " s");
        }
        for (zmq::socket_t* socket : { d->router.get(), d->localRouter.get() }) {
            if (!socket)
                continue;
            auto received = net::receiveMessage(*socket, true, std::chrono::milliseconds(25));
            if (received && *received && (*received)->message.header.type() == wire::HEARTBEAT) {
                const int peer = (*received)->message.header.rank();
                if (peer >= 0 && peer < d->worldSize && peer != d->rank)
                    heard.insert(peer);
            }
        }
    }
    return {};
}

int DataPlane::rank() const
{
    return d->rank;
}

int DataPlane::worldSize() const
{
    return d->worldSize;
}

common::Result DataPlane::send(int peer, const std::string& tag, std::span<const float> values)
{
    if (peer < 0 || peer >= d->worldSize || peer == d->rank || d->peerSocket.empty())
        return Error(ErrorKind::InvalidInput,
                     "rank " + std::to_string(d->rank) + " cannot send to rank "
                             + std::to_string(peer));
    wire::Header header;
    header.set_type(wire::TENSOR);
    header.set_rank(d->rank);
    header.mutable_tensor()->set_name(tag);
    header.mutable_tensor()->add_shape(int64_t(values.size()));
    // Little-endian float32 as they lie in memory (TrainStudio builds for little-endian hosts).
    const std::string_view payload(reinterpret_cast<const char*>(values.data()),
                                   values.size() * sizeof(float));
    zmq::socket_t& socket = *d->peers[size_t(d->peerSocket[size_t(peer)])];
    // A full queue is a slow peer, not an error: wait for room rather than drop the tensor.
    for (int attempt = 0;; ++attempt) {
        common::Result sent = net::sendMessage(socket, header, { &payload, 1 });
        if (sent || attempt > 6000)
            return sent;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
}

common::Expected<DataPlane::Tensor> DataPlane::receive(int peer, const std::string& tag,
                                                       std::chrono::milliseconds timeout)
{
    const auto key = std::make_pair(peer, tag);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (auto queued = d->inbox.find(key); queued != d->inbox.end() && !queued->second.empty()) {
            Tensor tensor = std::move(queued->second.front());
            queued->second.pop_front();
            return tensor;
        }
        if (Clock::now() > deadline)
            return Error(ErrorKind::Io,
                         "rank " + std::to_string(d->rank) + ": no '" + tag + "' from rank "
                                 + std::to_string(peer) + " within "
                                 + std::to_string(timeout.count()) + " ms");
        if (auto tensor = d->receiveOne(std::chrono::milliseconds(50)))
            d->inbox[{ tensor->peer, tensor->tag }].push_back(std::move(*tensor));
    }
}

common::Expected<std::optional<DataPlane::Tensor>>
DataPlane::receiveAny(std::chrono::milliseconds timeout)
{
    for (auto queued = d->inbox.begin(); queued != d->inbox.end(); ++queued) {
        if (queued->second.empty())
            continue;
        Tensor tensor = std::move(queued->second.front());
        queued->second.pop_front();
        return std::optional<Tensor>(std::move(tensor));
    }
    return d->receiveOne(timeout);
}

common::Result DataPlane::sendBytes(int peer, const std::string& tag, const std::string& bytes)
{
    std::vector<float> values(1 + (bytes.size() + sizeof(float) - 1) / sizeof(float), 0.0f);
    const uint32_t length = uint32_t(bytes.size());
    std::memcpy(values.data(), &length, sizeof length);
    std::memcpy(values.data() + 1, bytes.data(), bytes.size());
    return send(peer, tag, values);
}

common::Expected<std::string> DataPlane::receiveBytes(int peer, const std::string& tag,
                                                      std::chrono::milliseconds timeout)
{
    auto received = receive(peer, tag, timeout);
    TS_TRY(received);
    const std::span<const float> values = received->values;
    uint32_t length = 0;
    if (!values.empty())
        std::memcpy(&length, values.data(), sizeof length);
    if (values.empty() || length > (values.size() - 1) * sizeof(float))
        return common::Error(common::ErrorKind::InvalidInput,
                             "'" + tag + "' from rank " + std::to_string(peer)
                                     + " is not a byte message");
    return std::string(reinterpret_cast<const char*>(values.data() + 1), length);
}

} // namespace ts::dist
