#include "common/paths.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace ts::common {

std::string userDataDir()
{
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg == '/')
        return std::string(xdg) + "/trainstudio";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.local/share/trainstudio";
}

std::string userConfigDir()
{
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg == '/')
        return std::string(xdg) + "/trainstudio";
    const char* home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.config/trainstudio";
}

std::string executableDir()
{
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : exe.parent_path().string();
}

const char* version()
{
    return TS_VERSION;
}

} // namespace ts::common
