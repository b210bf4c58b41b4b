// Pipeline validation of table sources (CSV and PostgreSQL: column types, samples, shards) and
// of the fitted prep transforms: what each field reads as, and the exact field named by every
// mistake.
#include "pipeline/pipeline_parser.h"

#include <QtTest/QTest>

using namespace ts;

namespace {

// A valid table pipeline; rows of the data-driven test replace one piece of it.
const char* const TablePipeline = R"({
  "trainstudio": 1,
  "name": "tables",
  "stages": [
    { "source": { "format": "csv", "train": { "file": "shop.csv" }, "labelColumn": "kind",
                  "columns": { "city": "categorical", "day": "timestamp", "n": "numeric" },
                  "sample": { "rows": 500, "seed": 3 }, "shard": { "rank": 1, "count": 4 },
                  "split": { "test": 0.2, "method": "time", "timeColumn": "day" } } },
    { "prep": { "encode": { "city": "one_hot", "size": "ordinal",
                            "grade": { "ordinal": ["low", "mid", "high"] } },
                "clip": { "income": [0, 250000], "age": { "quantiles": [0.01, 0.99] } },
                "log": ["income"],
                "bucketize": { "age": [18, 30, 50], "rooms": { "quantiles": 4 } },
                "scale": "standardize" } },
    { "train": { "model": { "type": "mlp", "hidden": [8] },
                 "optimizer": { "type": "sgd", "learningRate": 0.05 } } }
  ]
})";

QString replaced(const QString& from, const QString& to)
{
    QString text = QString::fromUtf8(TablePipeline);
    if (!text.contains(from))
        qFatal("the table pipeline has no '%s'", qPrintable(from));
    return text.replace(from, to);
}

} // namespace

class TstTableStages : public QObject
{
    Q_OBJECT

private slots:
    void csvSourceWithTypesAndSelection()
    {
        auto spec = pipeline::parsePipeline(TablePipeline, "p.json", "/data");
        QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());
        const pipeline::SourceSpec& s = spec->source;
        QCOMPARE(s.train.images, std::string("/data/shop.csv"));
        QCOMPARE(s.csv.labelColumn, std::string("kind"));
        QCOMPARE(s.csv.columnTypes.size(), size_t(3));
        QCOMPARE(s.csv.columnTypes[0].first, std::string("city"));
        QVERIFY(s.csv.columnTypes[0].second == data::ColumnKind::Categorical);
        QVERIFY(s.csv.columnTypes[1].second == data::ColumnKind::Timestamp);
        QVERIFY(s.csv.columnTypes[2].second == data::ColumnKind::Numeric);
        QCOMPARE(s.csv.selection.sampleRows, int64_t(500));
        QCOMPARE(s.csv.selection.seed, uint64_t(3));
        QCOMPARE(s.csv.selection.shardRank, 1);
        QCOMPARE(s.csv.selection.shardCount, 4);
        QVERIFY(s.csv.header);
        QCOMPARE(s.csv.inferRows, int64_t(1000));
    }

    void prepTransforms()
    {
        auto spec = pipeline::parsePipeline(TablePipeline, "p.json", "/data");
        QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());
        const data::PrepTransformsSpec t = spec->prep.transforms();
        // JSON objects have no order: the steps come sorted by column name.
        QCOMPARE(t.encode.size(), size_t(3));
        QCOMPARE(t.encode[0].column, std::string("city"));
        QVERIFY(t.encode[0].kind == data::EncodeKind::OneHot);
        QCOMPARE(t.encode[1].column, std::string("grade"));
        QCOMPARE(t.encode[1].order, (std::vector<std::string> { "low", "mid", "high" }));
        QCOMPARE(t.encode[2].column, std::string("size"));
        QVERIFY(t.encode[2].kind == data::EncodeKind::Ordinal && t.encode[2].order.empty());
        QCOMPARE(t.clip.size(), size_t(2));
        QCOMPARE(t.clip[0].column, std::string("age"));
        QVERIFY(t.clip[0].quantiles);
        QCOMPARE(t.clip[0].lower, 0.01);
        QCOMPARE(t.clip[1].column, std::string("income"));
        QVERIFY(!t.clip[1].quantiles);
        QCOMPARE(t.clip[1].upper, 250000.0);
        QCOMPARE(t.log, (std::vector<std::string> { "income" }));
        QCOMPARE(t.bucketize[0].column, std::string("age"));
        QCOMPARE(t.bucketize[0].bounds, (std::vector<double> { 18, 30, 50 }));
        QCOMPARE(t.bucketize[1].quantiles, 4);
        QVERIFY(t.scale == data::ScaleKind::Standardize);
    }

    void postgresSource()
    {
        const QString text = replaced(R"("format": "csv", "train": { "file": "shop.csv" })",
                                      R"("format": "postgres", "connection": "host=db dbname=lab",
                   "train": { "query": "SELECT * FROM shop WHERE day < '2024-06-01'" })");
        auto spec = pipeline::parsePipeline(text.toStdString(), "p.json", "/data");
        QVERIFY2(spec.ok(), spec.ok() ? "" : spec.error().message().c_str());
        QVERIFY(spec->source.format == pipeline::SourceFormat::Postgres);
        QCOMPARE(spec->source.connection, std::string("host=db dbname=lab"));
        QCOMPARE(spec->source.train.query,
                 std::string("SELECT * FROM shop WHERE day < '2024-06-01'"));
        QVERIFY(spec->source.train.table.empty());
    }

    void mistakes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");

        QTest::newRow("unknown column type")
                << replaced(R"("n": "numeric")", R"("n": "integer")")
                << "stages[0].source.columns.n: unknown value 'integer'; expected one of: "
                   "numeric, categorical, timestamp";
        QTest::newRow("a sample with both a fraction and rows")
                << replaced(R"("rows": 500)", R"("rows": 500, "fraction": 0.5)")
                << "stages[0].source.sample.fraction: give either a fraction of the rows "
                   "(\"fraction\": 0.1) or a number of rows (\"rows\": 10000), not both or "
                   "neither";
        QTest::newRow("a sample fraction of 0")
                << replaced(R"("rows": 500)", R"("fraction": 0)")
                << "stages[0].source.sample.fraction: must be > 0 and <= 1, got 0";
        QTest::newRow("a sample of 0 rows") << replaced(R"("rows": 500)", R"("rows": 0)")
                                            << "stages[0].source.sample.rows: must be at least 1";
        QTest::newRow("a shard rank past the count")
                << replaced(R"("rank": 1)", R"("rank": 4)")
                << "stages[0].source.shard.rank: must be below count (4): ranks count from 0";
        QTest::newRow("a shard without its count")
                << replaced(R"(, "count": 4)", "") << "stages[0].source.shard.count: is required";
        QTest::newRow("a two-character delimiter")
                << replaced(R"("labelColumn": "kind")",
                            R"("labelColumn": "kind", "delimiter": ";;")")
                << "stages[0].source.delimiter: must be a single character other than a quote or "
                   "a line break";
        QTest::newRow("header as text")
                << replaced(R"("labelColumn": "kind")", R"("labelColumn": "kind", "header": "no")")
                << "stages[0].source.header: must be true or false, got a string";
        QTest::newRow("a postgres source with a table and a query") << replaced(
                R"("format": "csv", "train": { "file": "shop.csv" })",
                R"("format": "postgres", "train": { "table": "t", "query": "SELECT 1" })")
                                                                    << "stages[0].source.train."
                                                                       "table: give either a table "
                                                                       "(\"table\": \"fashion\") "
                                                                       "or "
                                                                       "a query (\"query\": "
                                                                       "\"SELECT ...\"), not both "
                                                                       "or neither";
        QTest::newRow("a postgres source with a file")
                << replaced(R"("format": "csv")", R"("format": "postgres")")
                << "stages[0].source.train.table: give either a table (\"table\": \"fashion\") or "
                   "a query (\"query\": \"SELECT ...\"), not both or neither";
        QTest::newRow("a delimiter for postgres")
                << replaced(R"("format": "csv", "train": { "file": "shop.csv" })",
                            R"("format": "postgres", "train": { "table": "t" }, "delimiter": ";")")
                << "stages[0].source.delimiter: unknown field (known fields: columns, connection, "
                   "format, labelColumn, sample, shard, split, train)";
        QTest::newRow("unknown encoding")
                << replaced(R"("city": "one_hot")", R"("city": "hash")")
                << "stages[1].prep.encode.city: unknown value 'hash'; expected one of: one_hot, "
                   "ordinal";
        QTest::newRow("an ordinal order that is empty")
                << replaced(R"(["low", "mid", "high"])", "[]")
                << "stages[1].prep.encode.grade.ordinal: must be a non-empty array of the "
                   "categories in order";
        QTest::newRow("clip bounds in the wrong order")
                << replaced("[0, 250000]", "[250000, 0]")
                << "stages[1].prep.clip.income: must be [lower, upper] with lower <= upper";
        QTest::newRow("clip quantiles beyond 1")
                << replaced("[0.01, 0.99]", "[0.01, 99]")
                << "stages[1].prep.clip.age.quantiles: quantiles must lie between 0 and 1";
        QTest::newRow("clip with one bound")
                << replaced("[0, 250000]", "[0]")
                << "stages[1].prep.clip.income: must be [lower, upper] bounds, got an array";
        QTest::newRow("bucket bounds not ascending")
                << replaced("[18, 30, 50]", "[18, 50, 30]")
                << "stages[1].prep.bucketize.age[2]: bounds must be strictly ascending";
        QTest::newRow("one quantile bucket")
                << replaced(R"("quantiles": 4)", R"("quantiles": 1)")
                << "stages[1].prep.bucketize.rooms.quantiles: must be between 2 and 1000, got 1";
        QTest::newRow("log of a number")
                << replaced(R"(["income"])", "[3]")
                << "stages[1].prep.log[0]: must be a column name, got an integer";
        QTest::newRow("a typo in a prep step")
                << replaced(R"("log": ["income"])", R"("logs": ["income"])")
                << "stages[1].prep.logs: unknown field (did you mean 'log'?)";
    }
    void mistakes()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        auto spec = pipeline::parsePipeline(text.toStdString(), "p.json", "/data");
        QVERIFY(!spec.ok());
        QCOMPARE(QString::fromStdString(spec.error().message()), "p.json: " + expected);
    }
};

QTEST_APPLESS_MAIN(TstTableStages)

#include "tst_table_stages.moc"
