#include "common/child_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace ts::common {

Expected<pid_t> startChild(ChildOptions options)
{
    std::vector<char*> argv;
    for (std::string& a : options.args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env;
    for (const auto& [name, value] : options.environment)
        env.push_back(name + "=" + value);
    for (char** variable = environ; variable && *variable; ++variable) {
        const char* equals = std::strchr(*variable, '=');
        const std::string name(*variable, equals ? size_t(equals - *variable) : 0);
        if (!options.environment.count(name))
            env.emplace_back(*variable);
    }
    std::vector<char*> envp;
    for (std::string& e : env)
        envp.push_back(e.data());
    envp.push_back(nullptr);
    const char* logPath = options.logPath.c_str();
    const int deathSignal = options.deathSignal;

    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, deathSignal);
        if (getppid() != parent) // the parent died before prctl took effect
            _exit(126);
        const int log = ::open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (log >= 0) {
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
        }
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    if (pid < 0)
        return Error(ErrorKind::Io,
                     "cannot start " + options.args[0] + ": " + std::strerror(errno));
    return pid;
}

} // namespace ts::common
