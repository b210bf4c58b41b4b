// Runs trainstudio-cli as a separate process, as a user would, for the CLI tests.
#pragma once

#include <QtCore/QProcess>
#include <QtCore/QProcessEnvironment>
#include <QtCore/QString>
#include <QtCore/QStringList>

#include <map>

namespace ts::test {

struct CliOutcome
{
    int exitCode = -1; // -1 when it crashed or did not finish in 2 minutes
    QString out;
    QString err;
};

// `home` gets the XDG data folder, so the real user store is never touched; `env` adds to (or
// overrides) the environment.
inline CliOutcome runCli(const QStringList& args, const QString& home,
                         const std::map<QString, QString>& env = {})
{
    QProcess p;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert("XDG_DATA_HOME", home + "/xdg");
    for (const auto& [name, value] : env)
        environment.insert(name, value);
    p.setProcessEnvironment(environment);
    p.start(QStringLiteral(TS_BINARY_DIR "/bin/trainstudio-cli"), args);
    if (!p.waitForFinished(120000))
        return {};
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
             QString::fromUtf8(p.readAllStandardOutput()),
             QString::fromUtf8(p.readAllStandardError()) };
}

} // namespace ts::test
