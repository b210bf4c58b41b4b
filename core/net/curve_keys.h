// CurveKeys: the CURVE key pairs of agents and coordinators, kept in files like SSH keys.
//
// A key pair is two Z85 text files (40 characters each): NAME.key, the secret key, readable by
// its owner only (mode 0600, refused when others can read it, as ssh refuses a loose private key),
// and NAME.pub, the public key, which is handed to the other side. An allow-list is a text file of
// public keys, one per line ("# comments" and blank lines ignored), the authorized_keys of
// TrainStudio: the coordinator trusts the agents listed in it, an agent its coordinator.
#pragma once

#include "common/result.h"

#include <set>
#include <string>

namespace ts::net {

struct KeyPair
{
    std::string publicKey; // Z85, 40 characters
    std::string secretKey; // Z85, 40 characters
};

// A fresh key pair (libzmq's zmq_curve_keypair, libsodium random) whose public key never begins
// with '-', which a command line would read as an option.
common::Expected<KeyPair> generateKeyPair();

// Writes `keys` to FOLDER/NAME.key (0600) and FOLDER/NAME.pub, creating FOLDER (0700). Refuses to
// overwrite an existing secret key: a lost key cannot be recovered, so replacing one is the
// user's explicit act (delete it first).
common::Result saveKeyPair(const KeyPair& keys, const std::string& folder, const std::string& name);

// Reads FOLDER/NAME.key and FOLDER/NAME.pub; InvalidInput when the secret key is readable by
// others or a key is not 40 Z85 characters, NotFound when a file is missing (the message says
// to run `trainstudio-agent --init`).
common::Expected<KeyPair> loadKeyPair(const std::string& folder, const std::string& name);

// The public keys of an allow-list file; each line is checked (file:line: what is wrong).
common::Expected<std::set<std::string>> loadAllowList(const std::string& path);

// True for 40 characters of the Z85 alphabet.
bool isZ85Key(const std::string& text);

} // namespace ts::net
