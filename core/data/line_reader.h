// LineReader: the lines of a text file, read in large blocks, so a file of any size streams
// through a fixed amount of memory (one block plus the longest line).
//
// A line is returned without its "\n" or "\r\n", as a view into the reader's buffer that is valid
// until the next call. Faster than std::getline (no copy per line, one read(2) per block).
#pragma once

#include "common/result.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ts::data {

class LineReader
{
public:
    // Fails with NotFound for a missing file, InvalidInput for a folder, Io when it cannot open.
    static common::Expected<LineReader> open(const std::string& path, size_t blockBytes = 1 << 22);

    LineReader(LineReader&&) noexcept = default;
    LineReader& operator=(LineReader&&) noexcept = default;

    // The next line, or false at the end of the file or on a read error (see error()).
    bool next(std::string_view& line);

    // 1-based number of the line next() returned last.
    int64_t lineNumber() const { return m_lineNumber; }

    // Set when next() stopped on a read error rather than at the end of the file.
    const std::string& error() const { return m_error; }

private:
    struct FileCloser
    {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    LineReader() = default;
    bool fill(); // moves the unread tail to the front and reads another block behind it

    std::unique_ptr<std::FILE, FileCloser> m_file;
    std::string m_path;
    std::vector<char> m_buffer;
    size_t m_begin = 0; // the unread bytes are [m_begin, m_end)
    size_t m_end = 0;
    bool m_eof = false;
    int64_t m_lineNumber = 0;
    std::string m_error;
};

} // namespace ts::data
