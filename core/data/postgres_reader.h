// Reader for PostgreSQL (and Greenplum, which speaks the same protocol) tables and queries,
// through libpq.
//
// The connection string is libpq's ("host=db dbname=lab user=ana" or a postgresql:// URI); what it
// leaves out comes from libpq's environment (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD,
// PGPASSFILE), so a pipeline file need not hold a password. Rows stream through a server-side
// cursor in batches, so a table larger than memory can be sampled (data/row_selection.h) without
// being held whole. A shard is taken by the server instead of the row selector: the cursor's
// SELECT keeps only the rows with md5(seed ':' row text) mod count == rank, so a rank fetches its
// own rows alone, and a row's shard does not depend on the order the server returns rows in
// (which SQL leaves open without ORDER BY). The shards are disjoint and cover every row; equal
// rows share a shard.
//
// Column types follow the server's: integer, floating-point and numeric types and boolean are
// Numeric (true = 1), date and timestamp (with or without time zone) are Timestamp, every other
// type (text, varchar, char, uuid, enums, ...) is Categorical, unless PostgresSource::columnTypes
// declares otherwise. NULL is a missing value (data/table_builder.h).
//
// How a read goes: connect; set the session to UTF-8, time zone UTC and ISO dates (so timestamptz
// and dates print the way TableBuilder parses them, whatever the server's or database's defaults);
// BEGIN READ ONLY (reading training data never writes, whatever a query calls); DECLARE a cursor
// for the table's SELECT * or the query; FETCH batchRows rows at a time, each row offered to the
// RowSelector and the kept ones parsed by TableBuilder; CLOSE; COMMIT. The dataset's origin is
// describeConnection() followed by "table 'x'" or "query '...'", and row errors name the row
// ("..., row 17, column 'age': ...").
//
// Thread safety: each call opens its own connection; calls on different threads are independent.
//
// Errors name the server, what was asked and what the server said:
//   "postgres://ana@localhost:5432/lab: password authentication failed for user \"ana\""
//   "postgres://ana@localhost:5432/lab: table 'fashon' does not exist"
// ErrorKind::NotFound for a missing table or column, ErrorKind::InvalidInput for a bad query,
// ErrorKind::Io when the server cannot be reached or refuses the login.
#pragma once

#include "common/result.h"
#include "data/dataset.h"
#include "data/row_selection.h"

#include <string>
#include <utility>
#include <vector>

namespace ts::data {

struct PostgresSource
{
    std::string connection; // libpq connection string or URI; "" = libpq's environment only
    std::string table;      // a table name ("fashion" or "lab.fashion"), or
    std::string query;      // a SELECT; exactly one of table and query is set
    std::string labelColumn = "label";
    // Declared column types override the server's (a numeric code that is really a category).
    std::vector<std::pair<std::string, ColumnKind>> columnTypes;
    RowSelection selection;
    int64_t batchRows = 10000; // rows per FETCH from the cursor
};

common::Expected<Dataset> readPostgresDataset(const PostgresSource& source);

// "postgres://user@host:port/dbname" of the connection `source` would open, without the
// password, for messages and run parameters.
std::string describeConnection(const PostgresSource& source);

} // namespace ts::data
