// What every trainstudio-cli command shares: exit codes and the one-line error report.
#pragma once

#include "common/result.h"
#include "store/experiment_store.h"

#include <memory>
#include <string>

namespace CLI {
class App;
}

namespace ts::cli {

// --store FILE, the experiment store a command works on (default: the user's store).
void addStoreOption(CLI::App& command, std::string& store);

// The store at `path` (or the default store for ""), for commands that only read or change what
// is there: NotFound, saying how a store comes to be, when there is none; never creates one.
common::Expected<std::unique_ptr<store::ExperimentStore>> openExistingStore(std::string path);

// Exit codes, stable for scripts.
enum ExitCode : int {
    ExitOk = 0,
    ExitFailure = 1,  // something broke that is not the user's input (disk, library, bug)
    ExitBadInput = 2, // the input is wrong: a file, a field, a value, an unknown run
    ExitCancelled = 130,
};

// "2026-11-27 21:05:07" in the local time zone; "-" for 0 (never).
std::string localTime(double unixSeconds);

// Prints "trainstudio-cli: error: <message>" on stderr and returns the matching exit code.
int reportError(const common::Error& error);

} // namespace ts::cli
