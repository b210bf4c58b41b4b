#include "net/zap_authenticator.h"

#include <zmq_addon.hpp>

#include <vector>

namespace ts::net {
namespace {

// libzmq sends every ZAP request of a context to this address.
constexpr const char* ZapEndpoint = "inproc://zeromq.zap.01";

std::string z85(const zmq::message_t& key)
{
    if (key.size() != 32)
        return {};
    char text[41] = {};
    zmq_z85_encode(text, static_cast<const uint8_t*>(key.data()), 32);
    return text;
}

} // namespace

ZapAuthenticator::ZapAuthenticator(zmq::context_t& context, std::set<std::string> allowed)
    : m_socket(context, zmq::socket_type::rep)
    , m_allowed(std::move(allowed))
{
    // Bound here, before any server socket of the context accepts a connection.
    m_socket.bind(ZapEndpoint);
    m_thread = std::thread([this] { serve(); });
}

ZapAuthenticator::~ZapAuthenticator()
{
    m_stop = true;
    m_thread.join();
}

void ZapAuthenticator::allow(const std::string& publicKey)
{
    std::lock_guard lock(m_mutex);
    m_allowed.insert(publicKey);
}

void ZapAuthenticator::disallow(const std::string& publicKey)
{
    std::lock_guard lock(m_mutex);
    m_allowed.erase(publicKey);
}

std::string ZapAuthenticator::lastRefusal() const
{
    std::lock_guard lock(m_mutex);
    return m_lastRefusal;
}

bool ZapAuthenticator::decide(const std::vector<zmq::message_t>& request, std::string& reason)
{
    // version, request id, domain, address, identity, mechanism, credentials...
    if (request.size() < 6 || request[0].to_string_view() != "1.0") {
        reason = "a malformed ZAP request";
        return false;
    }
    const std::string address = request[3].to_string();
    if (request[5].to_string_view() != "CURVE" || request.size() != 7) {
        reason = "a client from " + address + " without CURVE";
        return false;
    }
    const std::string key = z85(request[6]);
    std::lock_guard lock(m_mutex);
    if (m_allowed.count(key))
        return true;
    reason = "client key " + key + " from " + address + " is not on the allow-list";
    return false;
}

void ZapAuthenticator::serve()
{
    while (!m_stop) {
        zmq::pollitem_t item { m_socket.handle(), 0, ZMQ_POLLIN, 0 };
        try {
            if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0)
                continue;
        } catch (const zmq::error_t&) {
            continue; // EINTR (a signal to the process): look at m_stop and poll again
        }
        std::vector<zmq::message_t> request;
        if (!zmq::recv_multipart(m_socket, std::back_inserter(request)))
            continue;
        std::string reason;
        const bool ok = decide(request, reason);
        if (ok) {
            ++m_accepted;
        } else {
            ++m_refused;
            std::lock_guard lock(m_mutex);
            m_lastRefusal = reason;
        }
        const std::string requestId = request.size() > 1 ? request[1].to_string() : "";
        const std::string userId = ok ? z85(request[6]) : "";
        std::vector<zmq::const_buffer> reply { zmq::str_buffer("1.0"),
                                               zmq::buffer(requestId),
                                               ok ? zmq::str_buffer("200") : zmq::str_buffer("400"),
                                               ok ? zmq::str_buffer("OK") : zmq::buffer(reason),
                                               zmq::buffer(userId),
                                               zmq::str_buffer("") };
        zmq::send_multipart(m_socket, reply);
    }
}

} // namespace ts::net
