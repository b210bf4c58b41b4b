// Tests of the PostgreSQL reader against a real server: the throwaway cluster of the CTest
// fixture "postgres" (tests/postgres/start-server.sh). The test makes its own tables through
// libpq and drops them at the end. The database's own defaults are set to a far time zone and a
// day-first date style, so the reader must set its session up itself to read times right.
#include "data/postgres_reader.h"

#include "data/row_selection.h"
#include "postgres/test_server.h"

#include <QtTest/QTest>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace ts;
using common::ErrorKind;
using data::ColumnKind;

Q_DECLARE_METATYPE(ts::common::ErrorKind)
Q_DECLARE_METATYPE(ts::data::ColumnKind)
Q_DECLARE_METATYPE(ts::data::RowSelection)
Q_DECLARE_METATYPE(ts::data::PostgresSource)

namespace {

const char* const Tables = R"(
    ALTER DATABASE trainstudio_test SET timezone = 'Asia/Tokyo';
    ALTER DATABASE trainstudio_test SET DateStyle = 'SQL, DMY';
    CREATE TABLE ts_kinds (id integer, small smallint, big bigint, weight double precision,
        ratio real, price numeric(8, 2), active boolean, name text, code varchar(8), born date,
        seen timestamp, seen_tz timestamptz, label text);
    INSERT INTO ts_kinds VALUES
        (1, 7, 5000000000, 0.5, 1.25, 12.34, true, 'ankle boot', 'A1', '2023-12-31',
         '2024-03-01 12:30:05.123456', '2024-03-01 14:30:05.123456+02', 'sneaker'),
        (2, NULL, -3, NULL, -0.5, 0, false, NULL, 'B2', NULL, '1999-12-31 23:59:59', NULL, 'boot'),
        (3, -2, 0, -2.25, NULL, NULL, NULL, 'shirt', NULL, '2024-02-29', NULL,
         '2024-01-01 00:00:00-05:30', 'sneaker');
    CREATE TABLE ts_labels (kind text, code integer, flag boolean);
    INSERT INTO ts_labels VALUES ('shirt', 3, true), ('boot', 0, false), ('shirt', 3, true),
                                 ('sneaker', 1, true);
    CREATE TABLE ts_declared (zip integer, score text, day text, label text);
    INSERT INTO ts_declared VALUES (10115, '1.5', '2024-03-01', 'a'),
                                   (80331, '-2', '2024-03-02 10:00', 'b');
    CREATE TABLE ts_many AS SELECT id, id % 3 AS label FROM generate_series(1, 100) AS id;
    CREATE SCHEMA ts_lab;
    CREATE TABLE ts_lab.items (id integer, label text);
    INSERT INTO ts_lab.items VALUES (42, 'x');
    CREATE TABLE "Odd Name" AS SELECT * FROM ts_lab.items;
    CREATE TABLE "odd""quote" AS SELECT * FROM ts_lab.items;
    CREATE SEQUENCE ts_sequence;
)";

const char* const Cleanup = R"(
    SET client_min_messages = warning; -- no notices of what was not there
    DROP TABLE IF EXISTS ts_kinds, ts_labels, ts_declared, ts_many, "Odd Name", "odd""quote";
    DROP SEQUENCE IF EXISTS ts_sequence;
    DROP SCHEMA IF EXISTS ts_lab CASCADE;
    ALTER DATABASE trainstudio_test RESET ALL;
)";

// The values of column `name` as text: the number, the category or the microseconds since the
// epoch, "missing" for a missing value. `kind` says which the column is.
QStringList valuesOf(const data::Dataset& set, const std::string& name, ColumnKind& kind)
{
    QStringList values;
    for (const data::TimeColumn& column : set.timeColumns) {
        if (column.name != name)
            continue;
        kind = ColumnKind::Timestamp;
        for (const int64_t micros : column.micros)
            values << (micros == data::TimeColumn::MissingTime ? "missing"
                                                               : QString::number(micros));
        return values;
    }
    const auto found = std::find(set.columnNames.begin(), set.columnNames.end(), name);
    if (found == set.columnNames.end())
        return { "no column " + QString::fromStdString(name) };
    const auto col = found - set.columnNames.begin();
    kind = set.kindOf(col);
    for (int64_t row = 0; row < set.rows; ++row) {
        const float value = set.row(row)[col];
        if (std::isnan(value))
            values << "missing";
        else if (kind == ColumnKind::Categorical)
            values << QString::fromStdString(
                    set.columnTypes[size_t(col)].categories[size_t(value)]);
        else
            values << QString::number(value);
    }
    return values;
}

QList<int> idsOf(const data::Dataset& set)
{
    ColumnKind kind {};
    QList<int> ids;
    for (const QString& id : valuesOf(set, "id", kind))
        ids << id.toInt();
    return ids;
}

// The rows a RowSelector keeps of `rows` source rows, in source order: what the reader must give.
QList<int> selectedRows(int rows, const data::RowSelection& selection)
{
    data::RowSelector selector(selection);
    std::vector<int> keptRows;
    for (int row = 0; row < rows; ++row) {
        const int64_t slot = selector.offer(row);
        if (slot == int64_t(keptRows.size()))
            keptRows.push_back(row);
        else if (slot >= 0)
            keptRows[size_t(slot)] = row;
    }
    std::sort(keptRows.begin(), keptRows.end());
    return QList<int>(keptRows.begin(), keptRows.end());
}

} // namespace

class TestPostgresReader final : public QObject
{
    Q_OBJECT

    test::TestServer m_server;

    data::PostgresSource table(const std::string& name, const std::string& label = "label") const
    {
        data::PostgresSource source;
        source.connection = m_server.connection();
        source.table = name;
        source.labelColumn = label;
        return source;
    }
    data::PostgresSource query(const std::string& sql, const std::string& label = "label") const
    {
        data::PostgresSource source = table({}, label);
        source.query = sql;
        return source;
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(m_server.error().isEmpty(), qPrintable(m_server.error()));
        const QString stale = m_server.execute(Cleanup); // of a run that crashed
        QVERIFY2(stale.isEmpty(), qPrintable(stale));
        const QString failed = m_server.execute(Tables);
        QVERIFY2(failed.isEmpty(), qPrintable(failed));
    }
    void cleanupTestCase()
    {
        if (m_server.error().isEmpty())
            QCOMPARE(m_server.execute(Cleanup), QString());
    }

    void readsEachServerTypeAsItsKind_data()
    {
        QTest::addColumn<QString>("column");
        QTest::addColumn<ColumnKind>("kind");
        QTest::addColumn<QStringList>("values");

        const auto N = ColumnKind::Numeric, C = ColumnKind::Categorical, T = ColumnKind::Timestamp;
        QTest::newRow("integer") << "id" << N << QStringList { "1", "2", "3" };
        QTest::newRow("smallint; NULL is missing")
                << "small" << N << QStringList { "7", "missing", "-2" };
        QTest::newRow("bigint beyond 32 bits") << "big" << N << QStringList { "5e+09", "-3", "0" };
        QTest::newRow("double precision")
                << "weight" << N << QStringList { "0.5", "missing", "-2.25" };
        QTest::newRow("real") << "ratio" << N << QStringList { "1.25", "-0.5", "missing" };
        QTest::newRow("numeric") << "price" << N << QStringList { "12.34", "0", "missing" };
        QTest::newRow("boolean: true is 1, false 0")
                << "active" << N << QStringList { "1", "0", "missing" };
        QTest::newRow("text is categorical")
                << "name" << C << QStringList { "ankle boot", "missing", "shirt" };
        QTest::newRow("varchar is categorical")
                << "code" << C << QStringList { "A1", "B2", "missing" };
        QTest::newRow("date is a time at midnight UTC")
                << "born" << T << QStringList { "1703980800000000", "missing", "1709164800000000" };
        QTest::newRow("timestamp without a zone is UTC, to the microsecond")
                << "seen" << T << QStringList { "1709296205123456", "946684799000000", "missing" };
        QTest::newRow("timestamptz in UTC, whatever the database's zone")
                << "seen_tz" << T
                << QStringList { "1709296205123456", "missing", "1704087000000000" };
    }
    void readsEachServerTypeAsItsKind()
    {
        QFETCH(QString, column);
        QFETCH(ColumnKind, kind);
        QFETCH(QStringList, values);

        const auto set = data::readPostgresDataset(table("ts_kinds"));
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message().c_str());
        QCOMPARE(set->rows, 3);
        ColumnKind read {};
        QCOMPARE(valuesOf(*set, column.toStdString(), read), values);
        QCOMPARE(read, kind);
        QCOMPARE(QString::fromStdString(set->origin),
                 QString::fromStdString(describeConnection(table("ts_kinds")))
                         + " table 'ts_kinds'");
    }

    void readsZonedTimesInUtcWhateverTheDatabaseZone()
    {
        // In 1880 Tokyo kept local mean time, +09:18:59: a session in the database's zone would
        // print an offset with seconds, which no time parser expects. The reader's session is UTC.
        const auto set = data::readPostgresDataset(
                query("SELECT timestamptz '1880-01-01 00:00:00+00' AS t, 'a' AS label"));
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message().c_str());
        ColumnKind kind {};
        QCOMPARE(valuesOf(*set, "t", kind), QStringList { "-2840140800000000" });
    }

    void readsAQuery_data()
    {
        QTest::addColumn<QString>("sql");
        QTest::addColumn<QList<int>>("ids");

        QTest::newRow("a WHERE clause")
                << "SELECT id, label FROM ts_kinds WHERE id >= 2" << QList<int> { 2, 3 };
        QTest::newRow("rows in the query's order")
                << "SELECT id, name, label FROM ts_kinds ORDER BY id DESC"
                << QList<int> { 3, 2, 1 };
        QTest::newRow("a trailing semicolon and lines")
                << "SELECT id, label\nFROM ts_kinds\nWHERE id <> 2;\n"
                << QList<int> { 1, 3 };
        QTest::newRow("a computed column")
                << "SELECT id * 10 AS id, label FROM ts_kinds" << QList<int> { 10, 20, 30 };
        QTest::newRow("an empty result")
                << "SELECT id, label FROM ts_kinds WHERE false" << QList<int> {};
    }
    void readsAQuery()
    {
        QFETCH(QString, sql);
        QFETCH(QList<int>, ids);

        const auto set = data::readPostgresDataset(query(sql.toStdString()));
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message().c_str());
        QCOMPARE(idsOf(*set), ids);
        QCOMPARE(set->rows, ids.size());
        QVERIFY2(set->origin.find(" query 'SELECT id") != std::string::npos, set->origin.c_str());
    }

    void readsLabels_data()
    {
        QTest::addColumn<QString>("label");
        QTest::addColumn<bool>("declaredCategorical");
        QTest::addColumn<QStringList>("classNames");
        QTest::addColumn<QList<float>>("labels");

        QTest::newRow("text labels are class names, sorted")
                << "kind" << false << QStringList { "boot", "shirt", "sneaker" }
                << QList<float> { 1, 0, 1, 2 };
        QTest::newRow("integer labels are class indices")
                << "code" << false << QStringList {} << QList<float> { 3, 0, 3, 1 };
        QTest::newRow("boolean labels are 1 and 0")
                << "flag" << false << QStringList {} << QList<float> { 1, 0, 1, 1 };
        QTest::newRow("integer codes declared categorical are class names")
                << "code" << true << QStringList { "0", "1", "3" } << QList<float> { 2, 0, 2, 1 };
    }
    void readsLabels()
    {
        QFETCH(QString, label);
        QFETCH(bool, declaredCategorical);
        QFETCH(QStringList, classNames);
        QFETCH(QList<float>, labels);

        data::PostgresSource source = table("ts_labels", label.toStdString());
        if (declaredCategorical)
            source.columnTypes = { { label.toStdString(), ColumnKind::Categorical } };
        const auto set = data::readPostgresDataset(source);
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message().c_str());
        QCOMPARE(QList<float>(set->labels.begin(), set->labels.end()), labels);
        QStringList names;
        for (const std::string& name : set->classNames)
            names << QString::fromStdString(name);
        QCOMPARE(names, classNames);
        QCOMPARE(set->classCount,
                 classNames.isEmpty() ? int64_t(*std::max_element(labels.begin(), labels.end())) + 1
                                      : classNames.size());
        QCOMPARE(set->cols, 2); // the label column is no feature
    }

    void declaredTypesOverrideTheServers_data()
    {
        QTest::addColumn<QString>("column");
        QTest::addColumn<ColumnKind>("kind");
        QTest::addColumn<QStringList>("values");

        QTest::newRow("an integer declared categorical")
                << "zip" << ColumnKind::Categorical << QStringList { "10115", "80331" };
        QTest::newRow("text of numbers declared numeric")
                << "score" << ColumnKind::Numeric << QStringList { "1.5", "-2" };
        QTest::newRow("text of times declared timestamp")
                << "day" << ColumnKind::Timestamp
                << QStringList { "1709251200000000", "1709373600000000" };
    }
    void declaredTypesOverrideTheServers()
    {
        QFETCH(QString, column);
        QFETCH(ColumnKind, kind);
        QFETCH(QStringList, values);

        data::PostgresSource source = table("ts_declared");
        source.columnTypes = { { column.toStdString(), kind } };
        const auto set = data::readPostgresDataset(source);
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message().c_str());
        ColumnKind read {};
        QCOMPARE(valuesOf(*set, column.toStdString(), read), values);
        QCOMPARE(read, kind);
    }

    void selectsTheRowsOfAFullReadTheSelectorKeeps_data()
    {
        QTest::addColumn<data::RowSelection>("selection");

        QTest::newRow("a 30 % fraction") << data::RowSelection { 0, 1, 0.3, 0, 11 };
        QTest::newRow("a reservoir of 10 rows") << data::RowSelection { 0, 1, 1.0, 10, 3 };
        QTest::newRow("a reservoir larger than the table keeps every row")
                << data::RowSelection { 0, 1, 1.0, 500, 3 };
    }
    void selectsTheRowsOfAFullReadTheSelectorKeeps()
    {
        QFETCH(data::RowSelection, selection);

        // Batches of 7 rows: the selector must see row numbers that run on across batches.
        data::PostgresSource source = query("SELECT * FROM ts_many ORDER BY id");
        source.batchRows = 7;
        const auto full = data::readPostgresDataset(source);
        QVERIFY2(full.ok(), full.ok() ? "" : full.error().message().c_str());
        source.selection = selection;
        const auto selected = data::readPostgresDataset(source);
        QVERIFY2(selected.ok(), selected.ok() ? "" : selected.error().message().c_str());

        const QList<int> all = idsOf(*full);
        QList<int> expected;
        for (const int row : selectedRows(int(all.size()), selection))
            expected << all[row];
        QCOMPARE(idsOf(*selected), expected);
        QVERIFY(!expected.isEmpty());
    }

    // Shards are the server's: disjoint, covering, and the same rows whatever order the server
    // returns them in; a sample is drawn from the rank's shard.
    void shardsAreTakenByTheServer_data()
    {
        QTest::addColumn<int>("count");
        QTest::newRow("2 shards") << 2;
        QTest::newRow("3 shards") << 3;
    }
    void shardsAreTakenByTheServer()
    {
        QFETCH(int, count);
        QList<int> together;
        for (int rank = 0; rank < count; ++rank) {
            data::PostgresSource ascending = query("SELECT * FROM ts_many ORDER BY id");
            ascending.batchRows = 7;
            ascending.selection = { rank, count, 1.0, 0, 42 };
            data::PostgresSource descending = query("SELECT * FROM ts_many ORDER BY id DESC");
            descending.selection = ascending.selection;
            const auto shard = data::readPostgresDataset(ascending);
            QVERIFY2(shard.ok(), shard.ok() ? "" : shard.error().message().c_str());
            const auto reversed = data::readPostgresDataset(descending);
            QVERIFY2(reversed.ok(), reversed.ok() ? "" : reversed.error().message().c_str());
            QList<int> ids = idsOf(*shard), otherOrder = idsOf(*reversed);
            std::sort(otherOrder.begin(), otherOrder.end());
            QCOMPARE(ids, otherOrder);              // a row's shard does not depend on the order
            QVERIFY(shard->rows > 100 / count / 2); // every shard holds a fair part
            together << ids;

            // A reservoir of 5 rows of this shard: 5 of its rows.
            ascending.selection.sampleRows = 5;
            const auto sample = data::readPostgresDataset(ascending);
            QVERIFY2(sample.ok(), sample.ok() ? "" : sample.error().message().c_str());
            QCOMPARE(sample->rows, int64_t(5));
            for (int id : idsOf(*sample))
                QVERIFY(ids.contains(id));
        }
        std::sort(together.begin(), together.end());
        QList<int> every(100);
        std::iota(every.begin(), every.end(), 1);
        QCOMPARE(together, every); // every row, none twice
    }

    void readsEveryRowInOrderWhateverTheBatchSize_data()
    {
        QTest::addColumn<qint64>("batchRows");

        QTest::newRow("one row a batch") << qint64(1);
        QTest::newRow("7 rows a batch: the last batch is short") << qint64(7);
        QTest::newRow("one batch exactly the table, then an empty one") << qint64(100);
        QTest::newRow("a batch larger than the table") << qint64(101);
    }
    void readsEveryRowInOrderWhateverTheBatchSize()
    {
        QFETCH(qint64, batchRows);

        data::PostgresSource source = query("SELECT * FROM ts_many ORDER BY id");
        source.batchRows = batchRows;
        const auto set = data::readPostgresDataset(source);
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message().c_str());
        QList<int> every(100);
        std::iota(every.begin(), every.end(), 1);
        QCOMPARE(idsOf(*set), every);
        QCOMPARE(set->labels[9], 1.0f); // id 10 % 3
    }

    void readsTablesByName_data()
    {
        QTest::addColumn<QString>("name");

        QTest::newRow("schema.table") << "ts_lab.items";
        QTest::newRow("capitals and a space, quoted") << "Odd Name";
        QTest::newRow("a double quote in the name") << "odd\"quote";
    }
    void readsTablesByName()
    {
        QFETCH(QString, name);

        const auto set = data::readPostgresDataset(table(name.toStdString()));
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message().c_str());
        QCOMPARE(idsOf(*set), QList<int> { 42 });
        QCOMPARE(set->classNames, std::vector<std::string> { "x" });
    }

    void readsWithLibpqEnvironment()
    {
        const test::ScopedPgEnvironment environment(m_server.facts());
        data::PostgresSource source = table("ts_many");
        source.connection.clear();
        QCOMPARE(describeConnection(source),
                 ("postgres://trainstudio@" + m_server.fact("PGHOST") + ":"
                  + m_server.fact("PGPORT") + "/trainstudio_test")
                         .toStdString());
        const auto set = data::readPostgresDataset(source);
        QVERIFY2(set.ok(), set.ok() ? "" : set.error().message().c_str());
        QCOMPARE(set->rows, 100);
    }

    void describesTheConnectionWithoutThePassword_data()
    {
        QTest::addColumn<QString>("connection");
        QTest::addColumn<QString>("description");

        QTest::newRow("keywords") << "host=db.lab port=6543 user=ana dbname=lab password=secret"
                                  << "postgres://ana@db.lab:6543/lab";
        QTest::newRow("a URI") << "postgresql://ana:secret@db.lab:6543/lab"
                               << "postgres://ana@db.lab:6543/lab";
        QTest::newRow("the database defaults to the user; the port to 5432")
                << "host=db user=ana password=secret"
                << "postgres://ana@db:5432/ana";
        QTest::newRow("a Unix socket directory as host") << "host=/run/pg user=ana dbname=lab"
                                                         << "postgres://ana@/run/pg:5432/lab";
        QTest::newRow("hostaddr without host") << "hostaddr=10.0.0.5 user=ana dbname=lab"
                                               << "postgres://ana@10.0.0.5:5432/lab";
        QTest::newRow("a malformed string holding a password")
                << "host=db password secret"
                << "postgres://(unreadable connection string)";
    }
    void describesTheConnectionWithoutThePassword()
    {
        QFETCH(QString, connection);
        QFETCH(QString, description);

        const test::ScopedPgEnvironment environment;
        data::PostgresSource source;
        source.connection = connection.toStdString();
        QCOMPARE(QString::fromStdString(describeConnection(source)), description);
    }

    void rejectsAMalformedConnectionString()
    {
        data::PostgresSource source = table("ts_many");
        source.connection = "host=db password secret";
        const auto set = data::readPostgresDataset(source);
        QVERIFY(!set.ok());
        QCOMPARE(set.error().kind(), ErrorKind::InvalidInput);
        const QString message = QString::fromStdString(set.error().message());
        QVERIFY2(message.contains("connection string"), qPrintable(message));
        QVERIFY2(!message.contains("secret"), qPrintable(message));
    }

    void reportsErrors_data()
    {
        QTest::addColumn<data::PostgresSource>("source");
        QTest::addColumn<ErrorKind>("kind");
        QTest::addColumn<QString>("message"); // a part of it

        const auto connectingWith = [this](const std::string& extra) {
            data::PostgresSource source = table("ts_many");
            source.connection = m_server.connection(extra);
            return source;
        };
        const auto declaringNumeric = [this](const std::string& column) {
            data::PostgresSource source = table("ts_kinds");
            source.columnTypes = { { column, ColumnKind::Numeric } };
            return source;
        };
        data::PostgresSource noBatch = table("ts_many");
        noBatch.batchRows = 0;

        QTest::newRow("a wrong password")
                << connectingWith("password=wrong-secret") << ErrorKind::Io
                << "password authentication failed for user \"trainstudio\"";
        QTest::newRow("an unknown user") << connectingWith("user=nobody") << ErrorKind::Io
                                         << "password authentication failed for user \"nobody\"";
        QTest::newRow("an unknown database") << connectingWith("dbname=nosuch") << ErrorKind::Io
                                             << "database \"nosuch\" does not exist";
        QTest::newRow("no server on that port")
                << connectingWith("port=1") << ErrorKind::Io << "connection to server on socket";
        QTest::newRow("a missing table")
                << table("fashon") << ErrorKind::NotFound << ": table 'fashon' does not exist";
        QTest::newRow("a missing table in a schema")
                << table("ts_lab.fashon") << ErrorKind::NotFound
                << ": table 'ts_lab.fashon' does not exist";
        QTest::newRow("a missing schema") << table("nolab.items") << ErrorKind::NotFound
                                          << ": table 'nolab.items' does not exist";
        QTest::newRow("a missing column in a query")
                << query("SELECT nme, label FROM ts_kinds") << ErrorKind::NotFound
                << "query 'SELECT nme, label FROM ts_kinds': column \"nme\" does not exist";
        QTest::newRow("a missing table in a query")
                << query("SELECT * FROM fashon") << ErrorKind::NotFound
                << "relation \"fashon\" does not exist";
        QTest::newRow("a syntax error")
                << query("SELEC id FROM ts_kinds") << ErrorKind::InvalidInput
                << "query 'SELEC id FROM ts_kinds': syntax error at or near \"SELEC\"";
        QTest::newRow("an error while fetching rows")
                << query("SELECT 1 / (id - 2) AS x, label FROM ts_kinds") << ErrorKind::InvalidInput
                << "division by zero";
        QTest::newRow("a query that writes: reading is read-only")
                << query("SELECT nextval('ts_sequence') AS n, 'a' AS label")
                << ErrorKind::InvalidInput << "read-only transaction";
        QTest::newRow("the label column is absent")
                << table("ts_many", "nolabel") << ErrorKind::NotFound
                << "no column 'nolabel' for the labels (columns: id, label)";
        QTest::newRow("a NULL label")
                << query("SELECT id, NULL::text AS label FROM ts_kinds") << ErrorKind::InvalidInput
                << ", row 1, column 'label': 'NULL' is missing";
        QTest::newRow("a declared column the result lacks")
                << declaringNumeric("nmae") << ErrorKind::NotFound
                << "column 'nmae', which the result does not have (did you mean 'name'?)";
        QTest::newRow("a value not of the declared kind")
                << declaringNumeric("name") << ErrorKind::InvalidInput
                << "row 1, column 'name': 'ankle boot' is not a number (declared numeric";
        QTest::newRow("a timestamp that is no time")
                << query("SELECT 'infinity'::timestamp AS t, 'a' AS label")
                << ErrorKind::InvalidInput << "column 't': 'infinity' is not a time";
        QTest::newRow("neither table nor query")
                << table({}) << ErrorKind::InvalidInput
                << "set exactly one of the source's table and query";
        QTest::newRow("no rows a batch")
                << noBatch << ErrorKind::InvalidInput << "batch rows must be at least 1";
    }
    void reportsErrors()
    {
        QFETCH(data::PostgresSource, source);
        QFETCH(ErrorKind, kind);
        QFETCH(QString, message);

        const auto set = data::readPostgresDataset(source);
        QVERIFY(!set.ok());
        const QString text = QString::fromStdString(set.error().message());
        QVERIFY2(text.contains(message), qPrintable(text));
        QCOMPARE(set.error().kind(), kind);
        // Every message names the server, and no message shows a password.
        QVERIFY2(text.startsWith(QString::fromStdString(describeConnection(source))),
                 qPrintable(text));
        QVERIFY2(!text.contains(m_server.fact("PGPASSWORD")), qPrintable(text));
        QVERIFY2(!text.contains("wrong-secret"), qPrintable(text));
    }
};

QTEST_APPLESS_MAIN(TestPostgresReader)
#include "tst_postgres_reader.moc"
