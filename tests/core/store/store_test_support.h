// What the store's tests share: opening stores, raw SQLite access behind the store's back (to
// build files the store must refuse and to check what it wrote), and metric points.
#pragma once

#include "store/experiment_store.h"
#include "store/sqlite_handles.h"

#include <QtCore/QByteArray>
#include <QtCore/QFile>
#include <QtCore/QString>
#include <QtCore/QtGlobal>

#include <memory>
#include <string>

namespace ts::test {

inline QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// A read-write connection of the test's own.
inline store::SqlitePtr openRaw(const std::string& path)
{
    sqlite3* raw = nullptr;
    sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    return store::SqlitePtr(raw);
}

// One value of `sql` (as text) on a read-only connection of the test's own; "" when none.
inline QString scalar(const QString& path, const char* sql)
{
    sqlite3* db = nullptr;
    QString value;
    if (sqlite3_open_v2(path.toUtf8().constData(), &db, SQLITE_OPEN_READONLY, nullptr)
        == SQLITE_OK) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK
            && sqlite3_step(stmt) == SQLITE_ROW)
            value = QString::fromUtf8(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return value;
}

inline std::unique_ptr<store::ExperimentStore> openStore(const std::string& path)
{
    auto store = store::ExperimentStore::open(path);
    if (!store)
        qWarning("%s", store.error().message().c_str());
    return store ? std::move(store).value() : nullptr;
}

inline store::MetricPoint point(int64_t run, const char* name, int worker, int64_t step,
                                double value)
{
    return { run, name, worker, step, value, 1.7e9 + double(step) };
}

} // namespace ts::test
