// ZapAuthenticator: the ZAP handler (ZeroMQ RFC 27) that lets into a CURVE server socket only the
// clients whose public key is on an allow-list.
//
// CURVE alone encrypts but admits every client that knows the server's public key; libzmq asks
// the ZAP handler of the socket's context about each new connection, and only this handler's
// "200" lets one in. Clients without CURVE never get that far: the handshake itself fails.
//
// @code
//     zmq::context_t context;
//     net::ZapAuthenticator zap(context, *net::loadAllowList("agents.allow"));
//     zmq::socket_t router(context, zmq::socket_type::router);
//     router.set(zmq::sockopt::curve_server, 1);
//     router.set(zmq::sockopt::curve_secretkey, keys.secretKey);
//     router.bind("tcp://*:7150");
// @endcode
//
// THREAD SAFETY: the handler answers on a thread of its own; allow() and the counters may be used
// from any thread. It must outlive the sockets of its context (declare it after the context and
// before the sockets).
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <thread>

namespace ts::net {

class ZapAuthenticator
{
public:
    // Starts answering for every socket of `context`; `allowed` holds Z85 public keys.
    ZapAuthenticator(zmq::context_t& context, std::set<std::string> allowed);
    ~ZapAuthenticator();
    ZapAuthenticator(const ZapAuthenticator&) = delete;
    ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

    // Adds a key (the studio's "add an agent by address + key").
    void allow(const std::string& publicKey);
    // Removes a key: its next handshake is refused. A connection already made stays up; the
    // socket's owner refuses its messages by their "User-Id" property, which is the client's
    // Z85 public key (userIdOf).
    void disallow(const std::string& publicKey);

    int64_t accepted() const { return m_accepted; }
    int64_t refused() const { return m_refused; }
    // "client key Abc... from 127.0.0.1 is not on the allow-list", for the log.
    std::string lastRefusal() const;

private:
    void serve();
    // The reply frames for one request; true when the client may connect.
    bool decide(const std::vector<zmq::message_t>& request, std::string& reason);

    zmq::socket_t m_socket;
    std::set<std::string> m_allowed;
    mutable std::mutex m_mutex; // guards m_allowed and m_lastRefusal
    std::string m_lastRefusal;
    std::atomic<int64_t> m_accepted { 0 };
    std::atomic<int64_t> m_refused { 0 };
    std::atomic<bool> m_stop { false };
    std::thread m_thread;
};

} // namespace ts::net
