// Recoverable failures without exceptions: Error, Result and Expected<T>.
//
// Every fallible core function returns a [[nodiscard]] Result (no value) or Expected<T> (a value or
// an Error). An Error carries a kind (which decides how a front end reacts: bad input is the user's
// to fix, an internal failure is ours), a message that names *what* is wrong and *where* (file,
// line, field), and the source location that raised it. Callers add context while the error
// travels up, as in xgboost's collective::Result:
//
// @code
//     auto images = readIdx(path);
//     if (!images)
//         return std::move(images.error()).wrap("training images");
// @endcode
//
// message() then reads "training images: /data/x.gz: not an IDX file (magic 0x1f8b0808)".
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace ts::common {

// Where an Error was raised. std::source_location would do, but libstdc++'s needs a compiler
// builtin that clang 14 lacks, and the fuzz targets build the readers with clang.
struct SourceLocation
{
    const char* file = "";
    unsigned line = 0;

    static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                            unsigned line = __builtin_LINE())
    {
        return { file, line };
    }
    const char* file_name() const { return file; }
    unsigned line_number() const { return line; }
};

enum class ErrorKind {
    InvalidInput, // the user's input is wrong: a pipeline field, a CSV row, a command-line value
    NotFound,     // a file, run or column the user named does not exist
    Corrupt,      // a file exists but its content is damaged or of another format
    Io,           // the operating system refused: permissions, disk full
    Unsupported,  // valid input that this build cannot handle (no GPU, unknown IDX type)
    Internal,     // a failure of ours or of a library below us
};

// True for the kinds a user fixes by changing their input; front ends exit with code 2 for them.
constexpr bool isUserError(ErrorKind kind)
{
    return kind == ErrorKind::InvalidInput || kind == ErrorKind::NotFound
            || kind == ErrorKind::Corrupt;
}

class [[nodiscard]] Error
{
public:
    Error(ErrorKind kind, std::string message, SourceLocation where = SourceLocation::current())
        : m_kind(kind)
        , m_message(std::move(message))
        , m_file(where.file_name())
        , m_line(where.line_number())
    {}

    ErrorKind kind() const { return m_kind; }
    // The whole chain, outermost context first: "context: inner context: cause".
    const std::string& message() const { return m_message; }
    // Where in our source the error was raised, for logs ("core/data/idx_reader.cpp:42").
    std::string origin() const { return std::string(m_file) + ':' + std::to_string(m_line); }

    // Prefixes context; the kind and origin of the cause are kept.
    Error wrap(const std::string& context) &&
    {
        m_message = context + ": " + m_message;
        return std::move(*this);
    }

private:
    ErrorKind m_kind;
    std::string m_message;
    const char* m_file;
    unsigned m_line;
};

// The outcome of an operation that produces no value.
class [[nodiscard]] Result
{
public:
    Result() = default; // success
    Result(Error error)
        : m_error(std::move(error))
    {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const& { return *m_error; }
    Error&& error() && { return std::move(*m_error); }

private:
    std::optional<Error> m_error;
};

// A value or the Error that prevented it (std::expected arrives with C++23).
template <typename T> class [[nodiscard]] Expected
{
public:
    Expected(T value)
        : m_state(std::in_place_index<0>, std::move(value))
    {}
    Expected(Error error)
        : m_state(std::in_place_index<1>, std::move(error))
    {}

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<0>(m_state); }
    const T& value() const& { return std::get<0>(m_state); }
    T&& value() && { return std::get<0>(std::move(m_state)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    const Error& error() const& { return std::get<1>(m_state); }
    Error&& error() && { return std::get<1>(std::move(m_state)); }

private:
    std::variant<T, Error> m_state;
};

} // namespace ts::common

// Returns early from the enclosing function when a Result or Expected holds an error.
#define TS_TRY(expr)                                                                               \
    do {                                                                                           \
        auto&& tsTryResult_ = (expr);                                                              \
        if (!tsTryResult_)                                                                         \
            return std::move(tsTryResult_).error();                                                \
    } while (false)
