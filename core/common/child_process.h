// Starting a child process that must not outlive its parent: the agent's ranks, the local agents
// of an embedded coordinator. The child gets `deathSignal` when the parent dies
// (PR_SET_PDEATHSIG), so a killed agent or CLI leaves nothing running for nobody, and its stdout
// and stderr go to a log file.
//
// THREAD SAFETY: callable from any thread; everything the child needs is prepared before fork(),
// and the child calls only async-signal-safe functions before exec.
#pragma once

#include "common/result.h"

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace ts::common {

struct ChildOptions
{
    std::vector<std::string> args; // args[0]: the program's path
    std::string logPath;           // stdout and stderr; created or truncated
    int deathSignal = 9;           // SIGKILL; SIGTERM lets the child stop cleanly
    // Variables set (or replaced) in the child's environment, which is the parent's otherwise.
    std::map<std::string, std::string> environment;
};

// The child's pid, or Io naming the program when fork() fails. A program that cannot be
// executed exits with status 127 (and 126 when the parent died before the child was set up).
Expected<pid_t> startChild(ChildOptions options);

} // namespace ts::common
