#include "data/postgres_reader.h"

#include "common/spelling.h"    // for closestName
#include "data/table_builder.h" // for TableBuilder, Field

#include <libpq-fe.h>
#include <pg_config_manual.h> // for DEFAULT_PGSOCKET_DIR

#include <algorithm>
#include <cctype>
#include <memory>
#include <string_view>

namespace ts::data {
namespace {

using common::Error;
using common::ErrorKind;

// Owners of libpq's handles: every early return below frees what was opened.
struct ConnectionCloser
{
    void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultClearer
{
    void operator()(PGresult* result) const { PQclear(result); }
};
struct OptionsFreer
{
    void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};
struct MemoryFreer
{
    void operator()(char* memory) const { PQfreemem(memory); }
};
using Connection = std::unique_ptr<PGconn, ConnectionCloser>;
using QueryResult = std::unique_ptr<PGresult, ResultClearer>;
using ConnectionOptions = std::unique_ptr<PQconninfoOption, OptionsFreer>;
using LibpqText = std::unique_ptr<char, MemoryFreer>;

// The built-in types that are not Categorical. Their OIDs are fixed in every PostgreSQL (and
// Greenplum) since 7.x (src/include/catalog/pg_type.dat), so they need no catalog lookup.
struct ServerType
{
    Oid oid;
    const char* name;
    ColumnKind kind;
};
constexpr Oid BooleanOid = 16;
constexpr ServerType KnownTypes[] = {
    { BooleanOid, "boolean", ColumnKind::Numeric },
    { 20, "bigint", ColumnKind::Numeric },
    { 21, "smallint", ColumnKind::Numeric },
    { 23, "integer", ColumnKind::Numeric },
    { 26, "oid", ColumnKind::Numeric },
    { 700, "real", ColumnKind::Numeric },
    { 701, "double precision", ColumnKind::Numeric },
    { 1700, "numeric", ColumnKind::Numeric },
    { 1082, "date", ColumnKind::Timestamp },
    { 1114, "timestamp", ColumnKind::Timestamp },
    { 1184, "timestamp with time zone", ColumnKind::Timestamp },
};

// libpq's messages end with a newline, and some span lines ("connection to server ... failed:
// FATAL: ..."): one line reads better inside ours.
std::string oneLine(const char* message)
{
    std::string text = message ? message : "";
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.pop_back();
    std::replace(text.begin(), text.end(), '\n', ' ');
    return text;
}

// The value of `keyword` in a PQconninfoOption array, or "".
std::string optionValue(const PQconninfoOption* options, std::string_view keyword)
{
    for (; options && options->keyword; ++options) {
        if (keyword == options->keyword)
            return options->val ? options->val : "";
    }
    return {};
}

// Parses the connection string without connecting. On failure `problem` holds libpq's reason;
// the reason may quote a piece of the string, so it is blanked when the string holds a password.
ConnectionOptions parseConnection(const std::string& connection, std::string& problem)
{
    char* error = nullptr;
    ConnectionOptions options(PQconninfoParse(connection.c_str(), &error));
    const LibpqText errorOwner(error);
    if (!options) {
        problem = error ? oneLine(error) : "libpq could not parse it (out of memory?)";
        std::string lower = connection;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        if (lower.find("password") != std::string::npos || lower.find('@') != std::string::npos)
            problem = "libpq cannot parse it (details withheld: the string holds a password)";
    }
    return options;
}

// What is read, for messages: "table 'lab.fashion'" or "query 'SELECT ...'" (abbreviated).
std::string describeRead(const PostgresSource& source)
{
    if (!source.table.empty())
        return "table '" + source.table + "'";
    constexpr size_t Longest = 120;
    std::string query;
    for (const char c : source.query) {
        const bool space = std::isspace(static_cast<unsigned char>(c));
        if (!space || (!query.empty() && query.back() != ' '))
            query += space ? ' ' : c;
    }
    if (!query.empty() && query.back() == ' ')
        query.pop_back();
    if (query.size() > Longest)
        query = query.substr(0, Longest - 3) + "...";
    return "query '" + query + "'";
}

// One reading session: the connection and the words every message starts with.
struct Session
{
    Connection connection;
    std::string server; // describeConnection
    std::string origin; // server + what is read
    bool isTable = false;
    std::string table;

    // The error a failed statement gets: the server's message, classified by its SQLSTATE.
    Error failure(const PGresult* result) const
    {
        const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
        const std::string code = state ? state : "";
        if (code.empty() || PQstatus(connection.get()) == CONNECTION_BAD)
            return Error(ErrorKind::Io, origin + ": " + oneLine(PQerrorMessage(connection.get())));
        if (code == "42P01" && isTable) // undefined_table
            return Error(ErrorKind::NotFound, server + ": table '" + table + "' does not exist");
        std::string message =
                origin + ": " + oneLine(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
        if (const char* hint = PQresultErrorField(result, PG_DIAG_MESSAGE_HINT))
            message += " (" + oneLine(hint) + ")";
        if (code == "42P01" || code == "42703") // undefined_table, undefined_column
            return Error(ErrorKind::NotFound, message);
        // Resources (53), operator intervention (57), system (58) and internal (XX) errors are
        // the server's trouble, not the query's.
        const std::string serverClasses[] = { "08", "53", "57", "58", "XX" };
        const bool serverSide =
                std::any_of(std::begin(serverClasses), std::end(serverClasses),
                            [&](const std::string& c) { return code.starts_with(c); });
        return Error(serverSide ? ErrorKind::Io : ErrorKind::InvalidInput, message);
    }

    common::Expected<QueryResult> execute(const std::string& sql)
    {
        QueryResult result(PQexec(connection.get(), sql.c_str()));
        const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
            return failure(result.get());
        return result;
    }
};

common::Expected<Connection> connect(const PostgresSource& source, const std::string& server)
{
    // Parsed first: libpq reports a malformed string as a failed connection, which it is not.
    std::string problem;
    if (!parseConnection(source.connection, problem))
        return Error(ErrorKind::InvalidInput, "PostgreSQL connection string: " + problem);
    Connection connection(PQconnectdb(source.connection.c_str()));
    if (!connection)
        return Error(ErrorKind::Internal, server + ": libpq could not allocate a connection");
    if (PQstatus(connection.get()) != CONNECTION_OK)
        return Error(ErrorKind::Io, server + ": " + oneLine(PQerrorMessage(connection.get())));
    // Text the way TableBuilder parses it, whatever the server's or the database's defaults:
    // UTF-8 categories, ISO dates, and zoned times in UTC (timestamptz prints in the session zone).
    if (PQsetClientEncoding(connection.get(), "UTF8") != 0)
        return Error(ErrorKind::Io, server + ": " + oneLine(PQerrorMessage(connection.get())));
    for (const char* setting : { "SET TIME ZONE 'UTC'", "SET DateStyle = 'ISO, YMD'" }) {
        const QueryResult result(PQexec(connection.get(), setting));
        if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK)
            return Error(ErrorKind::Io,
                         server + ": " + setting + ": "
                                 + oneLine(PQerrorMessage(connection.get())));
    }
    return connection;
}

// "lab"."fashion" for "lab.fashion": each part quoted, so any name is safe to splice in.
common::Expected<std::string> quotedTable(PGconn* connection, const std::string& table,
                                          const std::string& server)
{
    std::string quoted;
    size_t start = 0;
    for (;;) {
        const size_t dot = std::min(table.find('.', start), table.size());
        const std::string part = table.substr(start, dot - start);
        const LibpqText escaped(PQescapeIdentifier(connection, part.c_str(), part.size()));
        if (part.empty() || !escaped)
            return Error(ErrorKind::InvalidInput,
                         server + ": table '" + table + "' is not a valid table name"
                                 + (escaped ? "" : ": " + oneLine(PQerrorMessage(connection))));
        if (!quoted.empty())
            quoted += '.';
        quoted += escaped.get();
        if (dot == table.size())
            return quoted;
        start = dot + 1;
    }
}

// The columns of the result, typed by the server or by source.columnTypes.
common::Expected<std::vector<TableColumn>>
columnsOf(const PGresult* result, const PostgresSource& source, const std::string& origin)
{
    std::vector<TableColumn> columns(size_t(PQnfields(result)));
    std::vector<std::string> names;
    for (size_t i = 0; i < columns.size(); ++i)
        names.emplace_back(PQfname(result, int(i)));
    for (const auto& [name, kind] : source.columnTypes) {
        if (std::find(names.begin(), names.end(), name) == names.end()) {
            const std::string closest = common::closestName(name, names, 2);
            return Error(ErrorKind::NotFound,
                         origin + ": a type is declared for column '" + name
                                 + "', which the result does not have"
                                 + (closest.empty() ? "" : " (did you mean '" + closest + "'?)"));
        }
    }
    for (size_t i = 0; i < columns.size(); ++i) {
        TableColumn& column = columns[i];
        column.name = names[i];
        const auto declared = std::find_if(source.columnTypes.begin(), source.columnTypes.end(),
                                           [&](const auto& d) { return d.first == column.name; });
        if (declared != source.columnTypes.end()) {
            column.kind = declared->second;
            column.kindHint = std::string("(declared ") + toString(column.kind)
                    + " in the source's column types)";
            continue;
        }
        const Oid oid = PQftype(result, int(i));
        const auto known = std::find_if(std::begin(KnownTypes), std::end(KnownTypes),
                                        [&](const ServerType& t) { return t.oid == oid; });
        column.kind = known == std::end(KnownTypes) ? ColumnKind::Categorical : known->kind;
        if (known != std::end(KnownTypes))
            column.kindHint = std::string("(the column's PostgreSQL type is ") + known->name + ")";
        // As the CSV reader does: a label of dates is a set of class names, not a time.
        if (column.name == source.labelColumn && column.kind == ColumnKind::Timestamp)
            column.kind = ColumnKind::Categorical;
    }
    return columns;
}

// The fields of result rows as TableBuilder takes them: views into the PGresult, NULL flagged,
// and booleans ('t', 'f') spelled 1 and 0 for a number, true and false for a category.
class RowParser
{
public:
    RowParser(const PGresult* result, const std::vector<TableColumn>& columns)
        : m_fields(columns.size())
    {
        for (size_t c = 0; c < columns.size(); ++c) {
            m_booleans.push_back(PQftype(result, int(c)) == BooleanOid);
            m_kinds.push_back(columns[c].kind);
        }
    }

    // Valid until the next call or until `result` is cleared.
    const std::vector<Field>& fields(const PGresult* result, int row)
    {
        for (size_t c = 0; c < m_fields.size(); ++c) {
            Field& field = m_fields[c];
            const int column = int(c);
            field.null = PQgetisnull(result, row, column);
            field.text = std::string_view(PQgetvalue(result, row, column),
                                          size_t(PQgetlength(result, row, column)));
            if (m_booleans[c] && !field.null) {
                const bool value = field.text == "t";
                if (m_kinds[c] == ColumnKind::Numeric)
                    field.text = value ? "1" : "0";
                else
                    field.text = value ? "true" : "false";
            }
        }
        return m_fields;
    }

private:
    std::vector<Field> m_fields;
    std::vector<bool> m_booleans;
    std::vector<ColumnKind> m_kinds;
};

// The SELECT the cursor runs: every column of the table, or the query.
common::Expected<std::string> selectStatement(Session& session, const PostgresSource& source)
{
    if (session.isTable) {
        auto table = quotedTable(session.connection.get(), source.table, session.server);
        TS_TRY(table);
        return "SELECT * FROM " + *table;
    }
    // DECLARE takes one statement: a trailing semicolon would end it early.
    std::string select = source.query;
    while (!select.empty()
           && (select.back() == ';' || std::isspace(static_cast<unsigned char>(select.back()))))
        select.pop_back();
    return select;
}

// `select` cut to rank r's shard of n by the server: a row belongs to shard
// md5(seed ':' the row's text) mod n, so each rank fetches its own rows only, and a row's shard
// does not depend on the order the server returns rows in (which SQL leaves open).
std::string shardedStatement(const std::string& select, const RowSelection& selection)
{
    const std::string hash = "('x' || substr(md5('" + std::to_string(selection.shardSeed)
            + ":' || ts_source::text), 1, 8))::bit(32)::int::bigint";
    return "SELECT * FROM (" + select + ") AS ts_source WHERE mod(abs(" + hash + "), "
            + std::to_string(selection.shardCount) + ") = " + std::to_string(selection.shardRank);
}

} // namespace

std::string describeConnection(const PostgresSource& source)
{
    std::string problem;
    const ConnectionOptions given = parseConnection(source.connection, problem);
    if (!given)
        return "postgres://(unreadable connection string)";
    // What the string leaves out, libpq takes from PG* variables and its compiled-in defaults.
    const ConnectionOptions defaults(PQconndefaults());
    const auto value = [&](std::string_view keyword) {
        const std::string set = optionValue(given.get(), keyword);
        return set.empty() ? optionValue(defaults.get(), keyword) : set;
    };
    const std::string user = value("user");
    std::string host = value("host");
    if (host.empty())
        host = value("hostaddr");
    if (host.empty())
        host = *DEFAULT_PGSOCKET_DIR ? DEFAULT_PGSOCKET_DIR : "localhost"; // libpq's fallback
    std::string port = value("port");
    if (port.empty())
        port = "5432";
    std::string database = value("dbname");
    if (database.empty())
        database = user; // libpq's rule
    return "postgres://" + user + "@" + host + ":" + port + "/" + database;
}

common::Expected<Dataset> readPostgresDataset(const PostgresSource& source)
{
    const std::string server = describeConnection(source);
    if (source.table.empty() == source.query.empty())
        return Error(ErrorKind::InvalidInput,
                     server + ": set exactly one of the source's table and query");
    if (source.batchRows < 1)
        return Error(ErrorKind::InvalidInput,
                     server + ": the source's batch rows must be at least 1 (it is "
                             + std::to_string(source.batchRows) + ")");
    auto connection = connect(source, server);
    TS_TRY(connection);
    Session session { std::move(*connection), server, server + " " + describeRead(source),
                      !source.table.empty(), source.table };
    auto select = selectStatement(session, source);
    TS_TRY(select);
    // The shard is the server's to take (shardedStatement); a sample is then drawn from it here.
    RowSelection selection = source.selection;
    if (selection.shardCount > 1) {
        *select = shardedStatement(*select, selection);
        selection.shardCount = 1;
        selection.shardRank = 0;
    }

    // A cursor streams the rows in batches, so memory holds one batch and the kept rows. The
    // transaction is read-only: reading training data must never write, whatever the query calls.
    TS_TRY(session.execute("BEGIN READ ONLY"));
    TS_TRY(session.execute("DECLARE ts_cursor NO SCROLL CURSOR FOR " + *select));
    const std::string fetch =
            "FETCH FORWARD " + std::to_string(source.batchRows) + " FROM ts_cursor";
    auto batch = session.execute(fetch);
    TS_TRY(batch);
    // The first batch, even an empty one, describes the columns.
    auto columns = columnsOf(batch->get(), source, session.origin);
    TS_TRY(columns);
    RowParser parser(batch->get(), *columns);
    auto builder = TableBuilder::create(std::move(*columns), source.labelColumn, session.origin,
                                        TableBuilder::Position::Row);
    TS_TRY(builder);

    RowSelector selector(selection);
    for (int64_t row = 0;;) {
        const PGresult* result = batch->get();
        const int count = PQntuples(result);
        for (int r = 0; r < count; ++r, ++row) {
            const int64_t slot = selector.offer(row);
            if (slot >= 0)
                TS_TRY(builder->setRow(slot, parser.fields(result, r), row + 1));
        }
        if (count < source.batchRows)
            break; // a short batch is the last: no need to ask for an empty one
        batch = session.execute(fetch);
        TS_TRY(batch);
    }
    TS_TRY(session.execute("CLOSE ts_cursor"));
    TS_TRY(session.execute("COMMIT"));
    return builder->finish(selector.sourceOrder());
}

} // namespace ts::data
