#include "agent/spool.h"

#include "store/sqlite_handles.h"

#include <filesystem>

namespace ts::agent {

using store::Statement;

struct Spool::Private
{
    std::string path;
    store::SqlitePtr db;
};

Spool::Spool(std::unique_ptr<Private> d)
    : d(std::move(d))
{}

Spool::~Spool() = default;

const std::string& Spool::path() const
{
    return d->path;
}

common::Expected<std::unique_ptr<Spool>> Spool::open(const std::string& path)
{
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                                   nullptr);
    auto d = std::make_unique<Private>();
    d->path = path;
    d->db.reset(raw);
    if (rc != SQLITE_OK)
        return store::sqliteError(raw, rc, path).wrap("opening the agent's spool");
    sqlite3_busy_timeout(raw, 10000);
    // NORMAL in WAL: a record survives a crash of the process that appended it; only a power
    // cut may lose the last moments, which a job resumed from its checkpoint recomputes.
    TS_TRY(store::exec(raw, path,
                       "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                       "CREATE TABLE IF NOT EXISTS outbox ("
                       "  sequence INTEGER PRIMARY KEY AUTOINCREMENT,"
                       "  record BLOB NOT NULL,"
                       "  payload BLOB)"));
    return std::unique_ptr<Spool>(new Spool(std::move(d)));
}

common::Expected<uint64_t> Spool::append(const wire::Record& record, std::string_view payload)
{
    auto insert = Statement::prepare(d->db.get(), d->path,
                                     "INSERT INTO outbox (record, payload) VALUES (?1, ?2)");
    TS_TRY(insert);
    insert->bindBlob(1, record.SerializeAsString());
    if (!payload.empty())
        insert->bindBlob(2, payload);
    TS_TRY(insert->run());
    return uint64_t(sqlite3_last_insert_rowid(d->db.get()));
}

common::Expected<cluster::RecordBatch> Spool::pending(size_t maxBytes)
{
    auto query = Statement::prepare(d->db.get(), d->path,
                                    "SELECT sequence, record, payload FROM outbox "
                                    "ORDER BY sequence LIMIT 10000");
    TS_TRY(query);
    cluster::RecordBatch batch;
    size_t bytes = 0;
    for (;;) {
        auto row = query->step();
        TS_TRY(row);
        if (!*row)
            return batch;
        const uint64_t sequence = uint64_t(query->int64At(0));
        std::string blob = query->blobAt(1);
        std::string payload = query->blobAt(2);
        if (batch.records.records_size() > 0 && bytes + blob.size() + payload.size() > maxBytes)
            return batch; // the next batch starts with it
        bytes += blob.size() + payload.size();
        wire::Record& record = *batch.records.add_records();
        if (!record.ParseFromString(blob))
            return common::Error(common::ErrorKind::Corrupt,
                                 d->path + ": spooled record " + std::to_string(sequence)
                                         + " does not parse");
        record.set_sequence(sequence);
        if (record.has_checkpoint()) {
            record.mutable_checkpoint()->set_payload(uint32_t(batch.payloads.size()));
            batch.payloads.push_back(std::move(payload));
        }
        batch.lastSequence = sequence;
    }
}

common::Result Spool::acknowledge(uint64_t sequence)
{
    auto remove =
            Statement::prepare(d->db.get(), d->path, "DELETE FROM outbox WHERE sequence <= ?1");
    TS_TRY(remove);
    return remove->bind(1, int64_t(sequence)).run();
}

common::Expected<int64_t> Spool::size()
{
    auto query = Statement::prepare(d->db.get(), d->path, "SELECT count(*) FROM outbox");
    TS_TRY(query);
    auto row = query->step();
    TS_TRY(row);
    return query->int64At(0);
}

} // namespace ts::agent
