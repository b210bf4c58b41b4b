#include "data/line_reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ts::data {

using common::Error;
using common::ErrorKind;

common::Expected<LineReader> LineReader::open(const std::string& path, size_t blockBytes)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return Error(ErrorKind::NotFound, path + ": no such file");
    if (std::filesystem::is_directory(path, ec))
        return Error(ErrorKind::InvalidInput, path + ": is a folder, not a file");
    LineReader reader;
    reader.m_file.reset(std::fopen(path.c_str(), "rb"));
    if (!reader.m_file)
        return Error(ErrorKind::Io, path + ": cannot open: " + std::strerror(errno));
    reader.m_path = path;
    reader.m_buffer.resize(std::max<size_t>(blockBytes, 64));
    return reader;
}

bool LineReader::fill()
{
    if (m_eof)
        return false;
    if (m_begin > 0) {
        std::memmove(m_buffer.data(), m_buffer.data() + m_begin, m_end - m_begin);
        m_end -= m_begin;
        m_begin = 0;
    }
    if (m_end == m_buffer.size())
        m_buffer.resize(m_buffer.size() * 2); // a line longer than a block
    const size_t got =
            std::fread(m_buffer.data() + m_end, 1, m_buffer.size() - m_end, m_file.get());
    m_end += got;
    if (got == 0) {
        m_eof = true;
        if (std::ferror(m_file.get()))
            m_error = m_path + ": read error: " + std::strerror(errno);
        return false;
    }
    return true;
}

bool LineReader::next(std::string_view& line)
{
    for (;;) {
        const char* begin = m_buffer.data() + m_begin;
        if (const void* newline = std::memchr(begin, '\n', m_end - m_begin)) {
            const auto length = size_t(static_cast<const char*>(newline) - begin);
            m_begin += length + 1;
            line = std::string_view(begin, length);
            break;
        }
        if (!fill()) {
            if (m_begin == m_end || !m_error.empty())
                return false;
            line = std::string_view(m_buffer.data() + m_begin, m_end - m_begin); // no final \n
            m_begin = m_end;
            break;
        }
    }
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1); // CRLF from Windows tools
    ++m_lineNumber;
    return true;
}

} // namespace ts::data
