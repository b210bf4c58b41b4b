// CURVE keys and the ZAP allow-list on real ZeroMQ sockets over loopback TCP: an allow-listed
// client gets through, a client with a fresh key or without CURVE at all gets nothing through;
// key files behave like SSH keys.
#include "net/curve_keys.h"
#include "net/zap_authenticator.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <sys/stat.h>

using namespace ts;

namespace {

// Sends "hello" from `client` and says whether `server` (a ROUTER) received it within `ms`.
bool reaches(zmq::socket_t& client, zmq::socket_t& server, int ms)
{
    client.send(zmq::str_buffer("hello"), zmq::send_flags::dontwait);
    zmq::pollitem_t item { server.handle(), 0, ZMQ_POLLIN, 0 };
    if (zmq::poll(&item, 1, std::chrono::milliseconds(ms)) == 0)
        return false;
    zmq::message_t identity, body;
    (void)server.recv(identity);
    (void)server.recv(body);
    return body.to_string() == "hello";
}

zmq::socket_t curveClient(zmq::context_t& context, const net::KeyPair& keys,
                          const std::string& serverKey, const std::string& endpoint)
{
    zmq::socket_t client(context, zmq::socket_type::dealer);
    client.set(zmq::sockopt::linger, 0);
    client.set(zmq::sockopt::curve_serverkey, serverKey);
    client.set(zmq::sockopt::curve_publickey, keys.publicKey);
    client.set(zmq::sockopt::curve_secretkey, keys.secretKey);
    client.connect(endpoint);
    return client;
}

} // namespace

class TestCurve final : public QObject
{
    Q_OBJECT

private slots:
    void onlyAllowListedClientsGetThrough()
    {
        auto serverKeys = net::generateKeyPair();
        auto trusted = net::generateKeyPair();
        auto stranger = net::generateKeyPair();
        QVERIFY(serverKeys && trusted && stranger);

        zmq::context_t context;
        net::ZapAuthenticator zap(context, { trusted->publicKey });
        zmq::socket_t server(context, zmq::socket_type::router);
        server.set(zmq::sockopt::linger, 0);
        server.set(zmq::sockopt::curve_server, 1);
        server.set(zmq::sockopt::curve_secretkey, serverKeys->secretKey);
        server.bind("tcp://127.0.0.1:*");
        const std::string endpoint = server.get(zmq::sockopt::last_endpoint);

        zmq::context_t others; // clients in a context of their own, as on another machine
        auto good = curveClient(others, *trusted, serverKeys->publicKey, endpoint);
        QVERIFY(reaches(good, server, 5000));
        QCOMPARE(zap.accepted(), int64_t(1));

        auto bad = curveClient(others, *stranger, serverKeys->publicKey, endpoint);
        QVERIFY(!reaches(bad, server, 1000));
        QVERIFY(zap.refused() >= 1);
        QVERIFY2(QString::fromStdString(zap.lastRefusal())
                         .contains(QString::fromStdString(stranger->publicKey)
                                   + " from 127.0.0.1 is not on the allow-list"),
                 zap.lastRefusal().c_str());

        zmq::socket_t plain(others, zmq::socket_type::dealer); // no CURVE at all
        plain.set(zmq::sockopt::linger, 0);
        plain.connect(endpoint);
        QVERIFY(!reaches(plain, server, 1000));

        // Adding the stranger's key (the studio's "add agent") lets a new connection in.
        zap.allow(stranger->publicKey);
        auto later = curveClient(others, *stranger, serverKeys->publicKey, endpoint);
        QVERIFY(reaches(later, server, 5000));
    }

    void publicKeysNeverReadAsOptions()
    {
        // Z85 keys may hold '-'; one in 85 would begin with it and be taken for an option where
        // a user pastes it (trainstudio-cli agents add NAME ADDRESS KEY). 2,000 draws would
        // almost surely (1 - (84/85)^2000) meet one.
        for (int i = 0; i < 2000; ++i) {
            auto keys = net::generateKeyPair();
            QVERIFY(keys);
            QVERIFY2(keys->publicKey.front() != '-', keys->publicKey.c_str());
            QVERIFY(net::isZ85Key(keys->publicKey));
        }
    }

    void keyFilesLikeSsh()
    {
        QTemporaryDir dir;
        const std::string folder = dir.filePath("keys").toStdString();
        auto keys = net::generateKeyPair();
        QVERIFY(keys);
        QVERIFY(net::isZ85Key(keys->publicKey) && net::isZ85Key(keys->secretKey));
        QVERIFY(net::saveKeyPair(*keys, folder, "agent").ok());
        struct stat info
        {};
        QCOMPARE(::stat((folder + "/agent.key").c_str(), &info), 0);
        QCOMPARE(info.st_mode & 0777, mode_t(0600));
        auto loaded = net::loadKeyPair(folder, "agent");
        QVERIFY2(loaded, loaded ? "" : loaded.error().message().c_str());
        QCOMPARE(loaded->publicKey, keys->publicKey);
        QCOMPARE(loaded->secretKey, keys->secretKey);

        const common::Result again = net::saveKeyPair(*keys, folder, "agent");
        QVERIFY(!again);
        QVERIFY(again.error().message().find("a secret key is already there") != std::string::npos);

        ::chmod((folder + "/agent.key").c_str(), 0644);
        auto loose = net::loadKeyPair(folder, "agent");
        QVERIFY(!loose);
        QVERIFY(loose.error().message().find("readable by others; chmod 600 it")
                != std::string::npos);

        auto missing = net::loadKeyPair(folder, "coordinator");
        QVERIFY(!missing);
        QCOMPARE(missing.error().kind(), common::ErrorKind::NotFound);
        QVERIFY(missing.error().message().find("trainstudio-agent --init") != std::string::npos);
    }

    void allowListFiles()
    {
        QTemporaryDir dir;
        auto keys = net::generateKeyPair();
        QVERIFY(keys);
        const QString path = dir.filePath("agents.allow");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("# the lab's agents\n\n" + QByteArray::fromStdString(keys->publicKey)
                   + "  \nnot-a-key\n");
        file.close();
        auto list = net::loadAllowList(path.toStdString());
        QVERIFY(!list);
        QCOMPARE(QString::fromStdString(list.error().message()),
                 path + ":4: not a CURVE public key (expected 40 Z85 characters)");

        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("# the lab's agents\n" + QByteArray::fromStdString(keys->publicKey) + "\n");
        file.close();
        list = net::loadAllowList(path.toStdString());
        QVERIFY(list);
        QCOMPARE(list->size(), size_t(1));
        QVERIFY(list->count(keys->publicKey));
    }
};

QTEST_GUILESS_MAIN(TestCurve)

#include "tst_curve.moc"
