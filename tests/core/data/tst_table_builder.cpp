// Tests of the table builder every table source shares: typed columns, missing values, class
// names, the errors that name the row and the column, and the type inference of CSV columns.
#include "data/table_builder.h"

#include <QtTest/QTest>

#include <cmath>

using namespace ts;
using data::ColumnKind;

Q_DECLARE_METATYPE(ts::data::ColumnKind)

namespace {

std::vector<data::Field> fields(const QStringList& texts, std::vector<std::string>& storage)
{
    storage.clear();
    for (const QString& text : texts)
        storage.push_back(text.toStdString());
    std::vector<data::Field> out;
    for (const std::string& text : storage)
        out.push_back({ text, text == "<NULL>" });
    return out;
}

data::TableBuilder
builder(std::vector<data::TableColumn> columns,
        data::TableBuilder::Position position = data::TableBuilder::Position::Line)
{
    auto created = data::TableBuilder::create(std::move(columns), "label", "t.csv", position);
    if (!created)
        qFatal("%s", created.error().message().c_str());
    return std::move(*created);
}

} // namespace

class TestTableBuilder final : public QObject
{
    Q_OBJECT

private slots:
    void typedColumns()
    {
        data::TableBuilder table = builder({ { "age", ColumnKind::Numeric, {} },
                                             { "city", ColumnKind::Categorical, {} },
                                             { "day", ColumnKind::Timestamp, {} },
                                             { "label", ColumnKind::Categorical, {} } });
        std::vector<std::string> s;
        QVERIFY(table.setRow(0, fields({ "31", "Paris", "2024-03-01", "sneaker" }, s), 2).ok());
        QVERIFY(table.setRow(1, fields({ "NA", "Oslo", "", "boot" }, s), 3).ok());
        QVERIFY(table.setRow(2, fields({ "7.5", " Paris ", "<NULL>", "sneaker" }, s), 4).ok());
        const data::Dataset d = table.finish();

        QCOMPARE(d.rows, 3);
        QCOMPARE(d.cols, 2); // the time column is no feature
        QCOMPARE(d.columnNames, (std::vector<std::string> { "age", "city" }));
        QCOMPARE(d.columnTypes.size(), size_t(2));
        QCOMPARE(d.kindOf(1), ColumnKind::Categorical);
        QCOMPARE(d.columnTypes[1].categories, (std::vector<std::string> { "Paris", "Oslo" }));
        QCOMPARE(d.row(0)[0], 31.0f);
        QVERIFY(std::isnan(d.row(1)[0]));
        QCOMPARE(d.row(2)[1], 0.0f); // " Paris " is Paris: spaces around a category are dropped
        QCOMPARE(d.row(1)[1], 1.0f);
        QCOMPARE(d.timeColumns.size(), size_t(1));
        QCOMPARE(d.timeColumns[0].name, std::string("day"));
        QCOMPARE(d.timeColumns[0].micros[0], int64_t(1709251200) * 1000000);
        QCOMPARE(d.timeColumns[0].micros[1], data::TimeColumn::MissingTime);
        QCOMPARE(d.timeColumns[0].micros[2], data::TimeColumn::MissingTime);
        // Class names sorted: boot = 0, sneaker = 1, whatever order the rows came in.
        QCOMPARE(d.classNames, (std::vector<std::string> { "boot", "sneaker" }));
        QCOMPARE(d.labels, (std::vector<float> { 1, 0, 1 }));
        QCOMPARE(d.classCount, 2);
    }

    void allNumericTablesHaveNoColumnTypes()
    {
        data::TableBuilder table =
                builder({ { "x", ColumnKind::Numeric, {} }, { "label", ColumnKind::Numeric, {} } });
        std::vector<std::string> s;
        QVERIFY(table.setRow(0, fields({ "1", "4" }, s), 2).ok());
        const data::Dataset d = table.finish();
        QVERIFY(d.columnTypes.empty());
        QVERIFY(d.classNames.empty());
        QCOMPARE(d.classCount, 5);
    }

    void replacedSlotsAndSourceOrder()
    {
        data::TableBuilder table =
                builder({ { "x", ColumnKind::Numeric, {} }, { "label", ColumnKind::Numeric, {} } });
        std::vector<std::string> s;
        QVERIFY(table.setRow(0, fields({ "10", "0" }, s), 2).ok());
        QVERIFY(table.setRow(1, fields({ "20", "1" }, s), 3).ok());
        QVERIFY(table.setRow(0, fields({ "30", "2" }, s), 4).ok()); // replaces slot 0
        const data::Dataset d = table.finish({ 1, 0 });             // slot 1 came first
        QCOMPARE(d.features, (std::vector<float> { 20, 30 }));
        QCOMPARE(d.labels, (std::vector<float> { 1, 2 }));
    }

    void badRowsNameRowAndColumn_data()
    {
        QTest::addColumn<int>("position");
        QTest::addColumn<QStringList>("row");
        QTest::addColumn<QString>("message");

        QTest::newRow("text in a numeric column")
                << 0 << QStringList { "abc", "x", "2024-01-01", "a" }
                << "t.csv:7, column 'n' (field 1): 'abc' is not a number";
        QTest::newRow("a bad time")
                << 0 << QStringList { "1", "x", "01/02/2024", "a" }
                << "t.csv:7, column 'day' (field 3): '01/02/2024' is not a time (expected "
                   "2024-03-01 or 2024-03-01 12:30:05)";
        QTest::newRow("a missing label")
                << 0 << QStringList { "1", "x", "2024-01-01", "<NULL>" }
                << "t.csv:7, column 'label' (field 4): 'NULL' is missing; every row needs a "
                   "class in the label column";
        QTest::newRow("a query row counts rows, not lines")
                << 1 << QStringList { "1e99", "x", "2024-01-01", "a" }
                << "t.csv, row 7, column 'n': '1e99' is out of range for a 32-bit float";
        QTest::newRow("too few fields")
                << 0 << QStringList { "1", "x" } << "t.csv:7: row has 2 fields, the header has 4";
    }
    void badRowsNameRowAndColumn()
    {
        QFETCH(int, position);
        QFETCH(QStringList, row);
        QFETCH(QString, message);
        data::TableBuilder table = builder({ { "n", ColumnKind::Numeric, {} },
                                             { "c", ColumnKind::Categorical, {} },
                                             { "day", ColumnKind::Timestamp, {} },
                                             { "label", ColumnKind::Categorical, {} } },
                                           data::TableBuilder::Position(position));
        std::vector<std::string> s;
        const common::Result added = table.setRow(0, fields(row, s), 7);
        QVERIFY(!added);
        QCOMPARE(QString::fromStdString(added.error().message()), message);
        QCOMPARE(table.rows(), 0); // nothing of the row kept
    }

    void badSchemas()
    {
        auto noLabel =
                data::TableBuilder::create({ { "a", ColumnKind::Numeric, {} } }, "label", "t");
        QVERIFY(!noLabel);
        QCOMPARE(noLabel.error().kind(), common::ErrorKind::NotFound);
        QCOMPARE(QString::fromStdString(noLabel.error().message()),
                 QString("t: no column 'label' for the labels (columns: a)"));
        auto twice = data::TableBuilder::create(
                { { "a", ColumnKind::Numeric, {} }, { "a", ColumnKind::Numeric, {} } }, "a", "t");
        QVERIFY(!twice);
        QCOMPARE(QString::fromStdString(twice.error().message()),
                 QString("t: two columns are named 'a' (columns 1 and 2)"));
        auto timeLabel = data::TableBuilder::create({ { "label", ColumnKind::Timestamp, {} } },
                                                    "label", "t");
        QVERIFY(!timeLabel);
    }

    void infersKinds_data()
    {
        QTest::addColumn<QStringList>("samples");
        QTest::addColumn<ColumnKind>("kind");
        QTest::newRow("numbers") << QStringList { "1", "2.5", "-3e2" } << ColumnKind::Numeric;
        QTest::newRow("numbers with missing values")
                << QStringList { "1", "", "NA", "null" } << ColumnKind::Numeric;
        QTest::newRow("nothing but missing values")
                << QStringList { "", "NA" } << ColumnKind::Numeric;
        QTest::newRow("dates and times")
                << QStringList { "2024-01-01", "2024-01-02 10:00", "" } << ColumnKind::Timestamp;
        QTest::newRow("words") << QStringList { "red", "blue" } << ColumnKind::Categorical;
        QTest::newRow("numbers and one word")
                << QStringList { "1", "2", "three" } << ColumnKind::Categorical;
        QTest::newRow("dates and a number")
                << QStringList { "2024-01-01", "5" } << ColumnKind::Categorical;
    }
    void infersKinds()
    {
        QFETCH(QStringList, samples);
        QFETCH(ColumnKind, kind);
        std::vector<std::string> storage;
        for (const QString& s : samples)
            storage.push_back(s.toStdString());
        QCOMPARE(data::inferKind({ storage.begin(), storage.end() }), kind);
    }

    void remapsTestClassesToTraining()
    {
        data::Dataset test;
        test.origin = "test.csv";
        test.classNames = { "boot", "shirt" };
        test.labels = { 0, 1, 1 };
        QVERIFY(data::remapClasses(test, { "bag", "boot", "shirt" }).ok());
        QCOMPARE(test.labels, (std::vector<float> { 1, 2, 2 }));
        QCOMPARE(test.classCount, 3);

        data::Dataset unknown;
        unknown.origin = "test.csv";
        unknown.classNames = { "hat" };
        unknown.labels = { 0 };
        const common::Result refused = data::remapClasses(unknown, { "bag" });
        QVERIFY(!refused);
        QCOMPARE(QString::fromStdString(refused.error().message()),
                 QString("test.csv: class 'hat' does not occur in the training data"));
    }
};

QTEST_APPLESS_MAIN(TestTableBuilder)

#include "tst_table_builder.moc"
