// Schema migrations of the experiment store, as numbered steps.
//
// The schema version lives in PRAGMA user_version. Step i (1-based) is one SQL script that
// upgrades version i-1 to version i; a new schema version is a new step appended to the list,
// never an edit of a released one, so every older file upgrades along the same path.
//
// FAILURE: migrate() runs every missing step and the user_version update in one BEGIN IMMEDIATE
// transaction: on any error nothing is changed. A file newer than this program is refused with
// ErrorKind::Unsupported, an SQLite file of some other program with ErrorKind::Corrupt, both
// without writing to it.
//
// THREAD SAFETY: call it on a connection no other thread uses; other connections to the same file
// wait for its write lock (busy_timeout) and then see the upgraded schema.
#pragma once

#include "common/result.h"

#include <span>
#include <string>

struct sqlite3;

namespace ts::store {

// The scripts, oldest first: migrationSteps()[i - 1] upgrades user_version i-1 -> i.
std::span<const char* const> migrationSteps();

// Brings the store at `db` (opened from `path`, named in messages) to
// ExperimentStore::SchemaVersion.
common::Result migrate(sqlite3* db, const std::string& path);

} // namespace ts::store
