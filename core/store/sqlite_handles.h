// Owners for the SQLite C handles and a thin statement helper that turns SQLite failures into
// common::Error values naming the store file and what SQLite said.
//
// Every sqlite3* and sqlite3_stmt* lives in a unique_ptr from the moment SQLite hands it out, so
// an early return never leaks a connection or leaves a statement holding a read lock.
//
// @code
//     auto insert = Statement::prepare(db, path, "INSERT INTO params VALUES (?1, ?2, ?3)");
//     TS_TRY(insert);
//     TS_TRY(insert->bind(1, run).bind(2, key).bind(3, value).run());
// @endcode
//
// FAILURE: prepare(), step() and run() return the Error of the failing call; a failed bind() is
// remembered and reported by the next step()/run(), so call sites can chain binds.
//
// THREAD SAFETY: like the connection they belong to, used by one thread at a time.
#pragma once

#include "common/result.h"

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ts::store {

struct SqliteCloser
{
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct SqliteFinalizer
{
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};

using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;
using StatementPtr = std::unique_ptr<sqlite3_stmt, SqliteFinalizer>;

// The ErrorKind a SQLite result code stands for: damaged files are the user's to replace, the
// operating system's refusals are I/O, constraint failures mean the caller passed bad data.
inline common::ErrorKind errorKindOf(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return common::ErrorKind::Corrupt;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return common::ErrorKind::Io;
    case SQLITE_CONSTRAINT:
        return common::ErrorKind::InvalidInput;
    default:
        return common::ErrorKind::Internal;
    }
}

// "<path>: <sqlite3_errmsg>" for the failure `rc` of connection `db` (which may be null when
// sqlite3_open_v2 could not even allocate one).
inline common::Error sqliteError(sqlite3* db, int rc, const std::string& path,
                                 common::SourceLocation where = common::SourceLocation::current())
{
    std::string message = path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if ((rc & 0xff) == SQLITE_NOTADB)
        message += " (not a TrainStudio store; move it aside or choose another store file)";
    else if ((rc & 0xff) == SQLITE_FULL)
        message += " (the disk is full; nothing of this write was stored; free some space)";
    else if ((rc & 0xff) == SQLITE_BUSY)
        message += " (another process kept the store locked for over 5 s; try again)";
    return common::Error(errorKindOf(rc), std::move(message), where);
}

// Runs one or more SQL statements that return no rows of interest (PRAGMAs, BEGIN, scripts).
inline common::Result exec(sqlite3* db, const std::string& path, const char* sql,
                           common::SourceLocation where = common::SourceLocation::current())
{
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK)
        return sqliteError(db, rc, path, where);
    return {};
}

// A prepared statement bound to its connection and the store path for messages.
class Statement
{
public:
    static common::Expected<Statement>
    prepare(sqlite3* db, const std::string& path, std::string_view sql,
            common::SourceLocation where = common::SourceLocation::current())
    {
        sqlite3_stmt* raw = nullptr;
        const int rc = sqlite3_prepare_v2(db, sql.data(), int(sql.size()), &raw, nullptr);
        StatementPtr stmt(raw);
        if (rc != SQLITE_OK)
            return sqliteError(db, rc, path, where);
        return Statement(db, path, std::move(stmt));
    }

    // Parameters are 1-based, as in SQL (?1, ?2, ...).
    Statement& bind(int index, int64_t value)
    {
        return check(sqlite3_bind_int64(m_stmt.get(), index, value));
    }
    Statement& bind(int index, int value) { return bind(index, int64_t(value)); }
    // NaN binds as NULL: SQLite has no NaN and stores it as NULL anyway.
    Statement& bind(int index, double value)
    {
        return check(sqlite3_bind_double(m_stmt.get(), index, value));
    }
    // Text that outlives the next step() or reset(): SQLite reads it in place instead of copying
    // it (the hot path of metric inserts).
    Statement& bindStatic(int index, std::string_view value)
    {
        return check(sqlite3_bind_text64(m_stmt.get(), index, value.data() ? value.data() : "",
                                         value.size(), SQLITE_STATIC, SQLITE_UTF8));
    }
    Statement& bind(int index, std::string_view value)
    {
        // A null data() would bind SQL NULL instead of the empty string.
        return check(sqlite3_bind_text64(m_stmt.get(), index, value.data() ? value.data() : "",
                                         value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
    }

    Statement& bindBlob(int index, std::string_view bytes)
    {
        return check(sqlite3_bind_blob64(m_stmt.get(), index, bytes.data() ? bytes.data() : "",
                                         bytes.size(), SQLITE_TRANSIENT));
    }

    // True when a result row is ready, false when the statement has finished.
    common::Expected<bool> step(common::SourceLocation where = common::SourceLocation::current())
    {
        if (m_bindRc != SQLITE_OK)
            return sqliteError(m_db, m_bindRc, m_path, where);
        const int rc = sqlite3_step(m_stmt.get());
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            return rc == SQLITE_ROW;
        return sqliteError(m_db, rc, m_path, where);
    }

    // Steps to the end, ignoring rows, then resets so the statement can be bound and run again.
    common::Result run(common::SourceLocation where = common::SourceLocation::current())
    {
        common::Expected<bool> row = true;
        while (row.ok() && *row)
            row = step(where);
        reset();
        if (!row)
            return std::move(row).error();
        return {};
    }

    // Releases the statement's locks and keeps the bindings for the next run.
    void reset()
    {
        sqlite3_reset(m_stmt.get());
        m_bindRc = SQLITE_OK;
    }

    bool isNull(int column) const
    {
        return sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL;
    }
    int64_t int64At(int column) const { return sqlite3_column_int64(m_stmt.get(), column); }
    double doubleAt(int column) const { return sqlite3_column_double(m_stmt.get(), column); }
    std::string textAt(int column) const
    {
        const auto* text = sqlite3_column_text(m_stmt.get(), column);
        return text ? std::string(reinterpret_cast<const char*>(text),
                                  size_t(sqlite3_column_bytes(m_stmt.get(), column)))
                    : std::string();
    }

    std::string blobAt(int column) const
    {
        const void* bytes = sqlite3_column_blob(m_stmt.get(), column);
        return bytes ? std::string(static_cast<const char*>(bytes),
                                   size_t(sqlite3_column_bytes(m_stmt.get(), column)))
                     : std::string();
    }

private:
    Statement(sqlite3* db, std::string path, StatementPtr stmt)
        : m_db(db)
        , m_path(std::move(path))
        , m_stmt(std::move(stmt))
    {}

    Statement& check(int rc)
    {
        if (m_bindRc == SQLITE_OK)
            m_bindRc = rc;
        return *this;
    }

    sqlite3* m_db;
    std::string m_path;
    StatementPtr m_stmt;
    int m_bindRc = SQLITE_OK;
};

// A transaction, rolled back on destruction unless committed. Write transactions BEGIN IMMEDIATE:
// taking the write lock up front makes a writer wait (busy_timeout) at BEGIN instead of failing
// at COMMIT. Read transactions BEGIN DEFERRED, so their queries share one snapshot without
// holding up writers (WAL); they need no commit.
class Transaction
{
public:
    enum class Mode { Read, Write };

    Transaction(sqlite3* db, std::string path, Mode mode = Mode::Write)
        : m_db(db)
        , m_path(std::move(path))
        , m_mode(mode)
    {}
    ~Transaction()
    {
        if (m_open && !sqlite3_get_autocommit(m_db))
            sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    common::Result begin(common::SourceLocation where = common::SourceLocation::current())
    {
        const char* sql = m_mode == Mode::Write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED";
        TS_TRY(exec(m_db, m_path, sql, where));
        m_open = true;
        return {};
    }

    common::Result commit(common::SourceLocation where = common::SourceLocation::current())
    {
        TS_TRY(exec(m_db, m_path, "COMMIT", where));
        m_open = false;
        return {};
    }

private:
    sqlite3* m_db;
    std::string m_path;
    Mode m_mode;
    bool m_open = false;
};

} // namespace ts::store
