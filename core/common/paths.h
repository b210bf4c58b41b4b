// File-system locations the programs share.
#pragma once

#include <string>

namespace ts::common {

// $XDG_DATA_HOME/trainstudio, or ~/.local/share/trainstudio (XDG Base Directory specification).
std::string userDataDir();

// $XDG_CONFIG_HOME/trainstudio, or ~/.config/trainstudio: settings and CURVE keys.
std::string userConfigDir();

// The folder of the running executable (from /proc/self/exe), or "" when it cannot be read.
std::string executableDir();

// The version of TrainStudio, "0.1.0".
const char* version();

} // namespace ts::common
