#include "net/curve_keys.h"

#include <zmq.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ts::net {
namespace {

using common::Error;
using common::ErrorKind;
namespace fs = std::filesystem;

constexpr const char* Z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    ".-:+=^!/*?&<>()[]{}@%$#";

common::Expected<std::string> readKey(const fs::path& path)
{
    std::ifstream file(path);
    if (!file)
        return Error(ErrorKind::NotFound,
                     path.string()
                             + ": no such key file; create the keys with "
                               "'trainstudio-agent --init'");
    std::string key;
    std::getline(file, key);
    while (!key.empty() && (key.back() == '\r' || key.back() == ' '))
        key.pop_back();
    if (!isZ85Key(key))
        return Error(ErrorKind::InvalidInput,
                     path.string() + ": not a CURVE key (expected 40 Z85 characters)");
    return key;
}

common::Result writeFile(const fs::path& path, const std::string& text, mode_t mode)
{
    // Created with its final mode, so the secret is never readable by others, not even briefly.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0)
        return Error(ErrorKind::Io, path.string() + ": cannot create: " + std::strerror(errno));
    const std::string line = text + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == ssize_t(line.size());
    const bool closed = ::close(fd) == 0;
    if (!written || !closed)
        return Error(ErrorKind::Io, path.string() + ": cannot write: " + std::strerror(errno));
    return {};
}

} // namespace

bool isZ85Key(const std::string& text)
{
    return text.size() == 40 && text.find_first_not_of(Z85Alphabet) == std::string::npos;
}

common::Expected<KeyPair> generateKeyPair()
{
    char publicKey[41] = {};
    char secretKey[41] = {};
    // Z85 has '-' among its characters: a public key that began with it would read as an option
    // where a user pastes it on a command line (trainstudio-cli agents add NAME ADDRESS KEY).
    // One key in 85 does; draw another.
    do {
        if (zmq_curve_keypair(publicKey, secretKey) != 0)
            return Error(ErrorKind::Unsupported,
                         std::string("cannot make a CURVE key pair: ") + zmq_strerror(zmq_errno())
                                 + " (libzmq built without CURVE)");
    } while (publicKey[0] == '-');
    return KeyPair { publicKey, secretKey };
}

common::Result saveKeyPair(const KeyPair& keys, const std::string& folder, const std::string& name)
{
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec)
        return Error(ErrorKind::Io, folder + ": cannot create the key folder: " + ec.message());
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace, ec);
    const fs::path secret = fs::path(folder) / (name + ".key");
    if (fs::exists(secret))
        return Error(ErrorKind::InvalidInput,
                     secret.string()
                             + ": a secret key is already there; delete it first to replace it "
                               "(peers that trust its public key will refuse the new one)");
    TS_TRY(writeFile(secret, keys.secretKey, 0600));
    const fs::path publicPath = fs::path(folder) / (name + ".pub");
    fs::remove(publicPath, ec);
    return writeFile(publicPath, keys.publicKey, 0644);
}

common::Expected<KeyPair> loadKeyPair(const std::string& folder, const std::string& name)
{
    const fs::path secret = fs::path(folder) / (name + ".key");
    struct stat info
    {};
    if (::stat(secret.c_str(), &info) == 0 && (info.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return Error(ErrorKind::InvalidInput,
                     secret.string() + ": the secret key is readable by others; chmod 600 it");
    auto secretKey = readKey(secret);
    TS_TRY(secretKey);
    auto publicKey = readKey(fs::path(folder) / (name + ".pub"));
    TS_TRY(publicKey);
    return KeyPair { *publicKey, *secretKey };
}

common::Expected<std::set<std::string>> loadAllowList(const std::string& path)
{
    std::ifstream file(path);
    if (!file)
        return Error(ErrorKind::NotFound, path + ": no such allow-list file");
    std::set<std::string> keys;
    std::string line;
    for (int number = 1; std::getline(file, line); ++number) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#')
            continue;
        const std::string key = line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
        if (!isZ85Key(key))
            return Error(ErrorKind::InvalidInput,
                         path + ":" + std::to_string(number)
                                 + ": not a CURVE public key (expected 40 Z85 characters)");
        keys.insert(key);
    }
    return keys;
}

} // namespace ts::net
