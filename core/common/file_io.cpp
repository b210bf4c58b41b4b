#include "common/file_io.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace ts::common {

Expected<std::string> readFileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int error = errno;
        return Error(error == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                     path + ": cannot read: " + std::strerror(error));
    }
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    if (in.bad())
        return Error(ErrorKind::Io, path + ": cannot read: " + std::strerror(errno));
    return bytes;
}

Result writeFileAtomically(const std::string& path, std::string_view bytes)
{
    std::error_code ec;
    const std::string part = path + ".part";
    {
        std::ofstream out(part, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), std::streamsize(bytes.size()));
        out.flush();
        if (!out) {
            const std::string reason = std::strerror(errno);
            std::filesystem::remove(part, ec);
            return Error(ErrorKind::Io, path + ": cannot write: " + reason);
        }
    }
    std::filesystem::rename(part, path, ec);
    if (ec) {
        std::error_code ignored;
        std::filesystem::remove(part, ignored);
        return Error(ErrorKind::Io, path + ": cannot write: " + ec.message());
    }
    return {};
}

} // namespace ts::common
