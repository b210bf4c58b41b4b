// Tests of the CSV reader: the tables it accepts and, for every kind of bad content, the error that
// names the file, the line, the column and the field.
#include "data/csv_reader.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <cmath>

using namespace ts;
using common::ErrorKind;

Q_DECLARE_METATYPE(ts::common::ErrorKind)

class TestCsvReader final : public QObject
{
    Q_OBJECT

private slots:
    void readsTables_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("delimiter");
        QTest::addColumn<QStringList>("columnNames");
        QTest::addColumn<QList<float>>("features");
        QTest::addColumn<QList<float>>("labels");
        QTest::addColumn<int>("classCount");

        QTest::newRow("good table")
                << QByteArray("a,b,label\n1,2,0\n3.5,-4e-1,2\n") << "," << QStringList { "a", "b" }
                << QList<float> { 1, 2, 3.5f, -0.4f } << QList<float> { 0, 2 } << 3;
        QTest::newRow("label between features")
                << QByteArray("x,label,y\n1,1,2\n") << "," << QStringList { "x", "y" }
                << QList<float> { 1, 2 } << QList<float> { 1 } << 2;
        QTest::newRow("quoted fields with delimiters and escaped quotes")
                << QByteArray("\"a\",\"b,c\",\"say \"\"hi\"\"\",label\n\"1.5\", \"2\" ,3,0\n")
                << "," << QStringList { "a", "b,c", "say \"hi\"" } << QList<float> { 1.5f, 2, 3 }
                << QList<float> { 0 } << 1;
        QTest::newRow("CRLF line ends")
                << QByteArray("a,label\r\n1,0\r\n2,1\r\n") << "," << QStringList { "a" }
                << QList<float> { 1, 2 } << QList<float> { 0, 1 } << 2;
        QTest::newRow("empty and blank lines are skipped")
                << QByteArray("\na,label\n\n1,0\n   \n2,1\n\n") << "," << QStringList { "a" }
                << QList<float> { 1, 2 } << QList<float> { 0, 1 } << 2;
        QTest::newRow("spaces around names and numbers")
                << QByteArray("a , label\n  1.25 ,  3 \n") << "," << QStringList { "a" }
                << QList<float> { 1.25f } << QList<float> { 3 } << 4;
        QTest::newRow("semicolon delimiter")
                << QByteArray("a;b;label\n1;+2;0\n") << ";" << QStringList { "a", "b" }
                << QList<float> { 1, 2 } << QList<float> { 0 } << 1;
        QTest::newRow("byte order mark")
                << QByteArray("\xEF\xBB\xBFlabel,a\n0,7\n") << "," << QStringList { "a" }
                << QList<float> { 7 } << QList<float> { 0 } << 1;
        QTest::newRow("header only") << QByteArray("a,label\n") << "," << QStringList { "a" }
                                     << QList<float> {} << QList<float> {} << 0;
    }
    void readsTables()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, delimiter);
        QFETCH(QStringList, columnNames);
        QFETCH(QList<float>, features);
        QFETCH(QList<float>, labels);
        QFETCH(int, classCount);

        const QString path = writeTable(content);
        data::CsvOptions options;
        options.delimiter = delimiter.at(0).toLatin1();
        auto dataset = data::readCsvDataset(path.toStdString(), options);
        QVERIFY2(dataset, dataset ? "" : dataset.error().message().c_str());

        QStringList names;
        for (const auto& name : dataset->columnNames)
            names << QString::fromStdString(name);
        QCOMPARE(names, columnNames);
        QCOMPARE(dataset->cols, int64_t(columnNames.size()));
        QCOMPARE(dataset->rows, int64_t(labels.size()));
        QCOMPARE(QList<float>(dataset->features.begin(), dataset->features.end()), features);
        QCOMPARE(QList<float>(dataset->labels.begin(), dataset->labels.end()), labels);
        QCOMPARE(dataset->classCount, int64_t(classCount));
        QCOMPARE(dataset->origin, path.toStdString());
    }

    // Rows whose numeric columns must be inferred from one row (inferRows 1) show the error a
    // value of the wrong type gets after the inference, with its hint.
    void rejectsBadContent_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("missing");
        QTest::addColumn<ErrorKind>("kind");
        // The message is the file path followed by this text.
        QTest::addColumn<QString>("message");

        const QString hintB = " (the column's type was inferred from the first row; declare it "
                              "in the source's \"columns\", e.g. {\"b\": \"categorical\"})";
        const QString hintA = QString(hintB).replace("\"b\"", "\"a\"");
        const QString hintLabel = QString(hintB).replace("\"b\"", "\"label\"");
        QTest::newRow("ragged row")
                << QByteArray("a,b,label\n1,2,0\n1,2\n") << false << ErrorKind::InvalidInput
                << ":3: row has 2 fields, the header has 3";
        QTest::newRow("extra field")
                << QByteArray("a,label\n1,0,5\n") << false << ErrorKind::InvalidInput
                << ":2: row has 3 fields, the header has 2";
        QTest::newRow("unterminated quote")
                << QByteArray("a,label\n1,0\n\"1,0\n") << false << ErrorKind::InvalidInput
                << ":3: unterminated quote: the quote opened at column 1 is not closed on this "
                   "line";
        QTest::newRow("text after a closing quote")
                << QByteArray("a,label\n\"1\"x,0\n") << false << ErrorKind::InvalidInput
                << ":2: unexpected text after the closing quote at column 4";
        QTest::newRow("text in a numeric column")
                << QByteArray("a,b,label\n1,2,0\n1,abc,0\n") << false << ErrorKind::InvalidInput
                << ":3, column 'b' (field 2): 'abc' is not a number" + hintB;
        QTest::newRow("number with a unit")
                << QByteArray("a,label\n1,0\n1.5kg,0\n") << false << ErrorKind::InvalidInput
                << ":3, column 'a' (field 1): '1.5kg' is not a number" + hintA;
        QTest::newRow("infinite value")
                << QByteArray("a,label\n1,0\ninf,0\n") << false << ErrorKind::InvalidInput
                << ":3, column 'a' (field 1): 'inf' is not a finite number" + hintA;
        QTest::newRow("empty label")
                << QByteArray("a,b,label\n1,2,0\n1,2,\n") << false << ErrorKind::InvalidInput
                << ":3, column 'label' (field 3): '' is missing; every row needs a class in the "
                   "label column";
        QTest::newRow("missing marker as a label")
                << QByteArray("a,label\n1,NA\n") << false << ErrorKind::InvalidInput
                << ":2, column 'label' (field 2): 'NA' is missing; every row needs a class in "
                   "the label column";
        QTest::newRow("marker with extra text")
                << QByteArray("a,label\n2,0\nNA1,0\n") << false << ErrorKind::InvalidInput
                << ":3, column 'a' (field 1): 'NA1' is not a number" + hintA;
        QTest::newRow("missing label column")
                << QByteArray("a,b,c\n1,2,3\n") << false << ErrorKind::NotFound
                << ": no column 'label' for the labels (columns: a, b, c)";
        QTest::newRow("negative label")
                << QByteArray("a,label\n1,-1\n") << false << ErrorKind::InvalidInput
                << ":2, column 'label' (field 2): '-1' is not a class index (a non-negative "
                   "integer); declare the label column \"categorical\" for class names"
                        + hintLabel;
        QTest::newRow("fractional label")
                << QByteArray("a,label\n1,0\n2,1.5\n") << false << ErrorKind::InvalidInput
                << ":3, column 'label' (field 2): '1.5' is not a class index (a non-negative "
                   "integer); declare the label column \"categorical\" for class names"
                        + hintLabel;
        QTest::newRow("a ragged row the sample skips")
                << QByteArray("a,label\n1,0\n2,1,3\n") << false << ErrorKind::InvalidInput
                << ":3: row has 3 fields, the header has 2";
        QTest::newRow("empty file") << QByteArray("\n\n") << false << ErrorKind::InvalidInput
                                    << ": the file is empty; a header row is needed";
        QTest::newRow("missing file")
                << QByteArray() << true << ErrorKind::NotFound << ": no such file";
    }
    void rejectsBadContent()
    {
        QFETCH(QByteArray, content);
        QFETCH(bool, missing);
        QFETCH(ErrorKind, kind);
        QFETCH(QString, message);

        const QString path = missing ? m_dir.filePath("absent.csv") : writeTable(content);
        data::CsvOptions options;
        options.inferRows = 1;
        if (QByteArray(QTest::currentDataTag()).contains("skips"))
            options.selection.sampleRows = 1; // keeps line 2 only
        auto dataset = data::readCsvDataset(path.toStdString(), options);
        QVERIFY(!dataset);
        QCOMPARE(QString::fromStdString(dataset.error().message()), path + message);
        QCOMPARE(dataset.error().kind(), kind);
    }

    // An empty feature field or a missing marker reads as NaN; `missing` lists which of the
    // row-major features are NaN.
    void readsMissingValues_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QList<int>>("missing");

        QTest::newRow("empty field") << QByteArray("a,b,label\n1,,0\n") << QList<int> { 1 };
        QTest::newRow("blank field") << QByteArray("a,b,label\n  ,2,0\n") << QList<int> { 0 };
        QTest::newRow("empty last feature") << QByteArray("label,a,b\n0,1,\n") << QList<int> { 1 };
        QTest::newRow("markers NA, N/A, NaN, null")
                << QByteArray("a,b,c,d,label\nNA,N/A,NaN,null,0\n") << QList<int> { 0, 1, 2, 3 };
        QTest::newRow("markers in any case")
                << QByteArray("a,b,c,d,label\nna,n/a,NAN,NULL,0\n") << QList<int> { 0, 1, 2, 3 };
        QTest::newRow("quoted markers and empty quotes")
                << QByteArray("a,b,c,label\n\"NA\",\"\", \"null\" ,1\n") << QList<int> { 0, 1, 2 };
        QTest::newRow("values beside missing ones")
                << QByteArray("a,b,label\n1,NA,0\n,4,1\n") << QList<int> { 1, 2 };
    }
    void readsMissingValues()
    {
        QFETCH(QByteArray, content);
        QFETCH(QList<int>, missing);

        auto dataset = data::readCsvDataset(writeTable(content).toStdString());
        QVERIFY2(dataset, dataset ? "" : dataset.error().message().c_str());
        for (size_t i = 0; i < dataset->features.size(); ++i) {
            const float x = dataset->features[i];
            QVERIFY2(std::isnan(x) == missing.contains(int(i)),
                     qPrintable(QString("feature %1 is %2").arg(i).arg(x)));
            if (!std::isnan(x))
                QVERIFY(std::isfinite(x));
        }
    }

    void customLabelColumn()
    {
        const QString path = writeTable("f1,f2,species\n0.5,1,2\n");
        data::CsvOptions options;
        options.labelColumn = "species";
        auto dataset = data::readCsvDataset(path.toStdString(), options);
        QVERIFY2(dataset, dataset ? "" : dataset.error().message().c_str());
        QCOMPARE(dataset->classCount, 3);
        QCOMPARE(dataset->labels, std::vector<float> { 2 });
    }

    void typedColumnsInferredOrDeclared()
    {
        const QString path = writeTable("age,city,day,zip,label\n"
                                        "31,Paris,2024-03-01,75001,sneaker\n"
                                        "NA,\"Oslo, Norway\",2024-03-02 10:00,0150,boot\n"
                                        "7,Paris,,75002,sneaker\n");
        data::CsvOptions options;
        options.columnTypes = { { "zip", data::ColumnKind::Categorical } }; // a code, not a number
        auto d = data::readCsvDataset(path.toStdString(), options);
        QVERIFY2(d, d ? "" : d.error().message().c_str());
        QCOMPARE(d->columnNames, (std::vector<std::string> { "age", "city", "zip" }));
        QCOMPARE(d->kindOf(0), data::ColumnKind::Numeric);
        QCOMPARE(d->kindOf(1), data::ColumnKind::Categorical);
        QCOMPARE(d->kindOf(2), data::ColumnKind::Categorical);
        QCOMPARE(d->columnTypes[1].categories,
                 (std::vector<std::string> { "Paris", "Oslo, Norway" }));
        QCOMPARE(d->columnTypes[2].categories,
                 (std::vector<std::string> { "75001", "0150", "75002" })); // "0150" kept as text
        QCOMPARE(d->timeColumns.size(), size_t(1));
        QCOMPARE(d->timeColumns[0].name, std::string("day"));
        QCOMPARE(d->timeColumns[0].micros[1], (int64_t(1709251200) + 86400 + 36000) * 1000000);
        QCOMPARE(d->timeColumns[0].micros[2], data::TimeColumn::MissingTime);
        QCOMPARE(d->classNames, (std::vector<std::string> { "boot", "sneaker" }));
        QCOMPARE(d->labels, (std::vector<float> { 1, 0, 1 }));
    }

    void declaredTypeOfAnUnknownColumn()
    {
        const QString path = writeTable("weight,label\n1,0\n");
        data::CsvOptions options;
        options.columnTypes = { { "wieght", data::ColumnKind::Numeric } };
        auto d = data::readCsvDataset(path.toStdString(), options);
        QVERIFY(!d);
        QCOMPARE(d.error().kind(), ErrorKind::NotFound);
        QCOMPARE(QString::fromStdString(d.error().message()),
                 path
                         + ": a type is declared for column 'wieght', which the file does not have "
                           "(did you mean 'weight'?)");
    }

    void withoutHeader()
    {
        const QString path = writeTable("1.5,a,0\n2.5,b,1\n");
        data::CsvOptions options;
        options.header = false;
        options.labelColumn = "column3";
        auto d = data::readCsvDataset(path.toStdString(), options);
        QVERIFY2(d, d ? "" : d.error().message().c_str());
        QCOMPARE(d->rows, 2);
        QCOMPARE(d->columnNames, (std::vector<std::string> { "column1", "column2" }));
        QCOMPARE(d->row(1)[0], 2.5f);
        QCOMPARE(d->labels, (std::vector<float> { 0, 1 }));
    }

    // Lines longer than the reader's block and lines that straddle two blocks read whole.
    void linesAcrossBlocks()
    {
        QByteArray content = "x,label\n";
        for (int i = 0; i < 3000; ++i)
            content += QByteArray::number(i) + "," + QByteArray::number(i % 3) + "\n";
        content += "3000,1"; // no final line break
        auto d = data::readCsvDataset(writeTable(content).toStdString());
        QVERIFY2(d, d ? "" : d.error().message().c_str());
        QCOMPARE(d->rows, 3001);
        for (int64_t i = 0; i < d->rows; ++i)
            QCOMPARE(d->row(i)[0], float(i));
    }

    // Shards and samples keep the rows a full read has, no others, in file order.
    void selectionsAreSubsetsOfTheFullRead_data()
    {
        QTest::addColumn<int>("shardCount");
        QTest::addColumn<double>("fraction");
        QTest::addColumn<qint64>("sampleRows");
        QTest::newRow("each of 3 shards") << 3 << 1.0 << qint64(0);
        QTest::newRow("a 10 % sample") << 1 << 0.1 << qint64(0);
        QTest::newRow("a reservoir of 500 rows") << 1 << 1.0 << qint64(500);
        QTest::newRow("a reservoir of 200 rows of each of 2 shards") << 2 << 1.0 << qint64(200);
    }
    void selectionsAreSubsetsOfTheFullRead()
    {
        QFETCH(int, shardCount);
        QFETCH(double, fraction);
        QFETCH(qint64, sampleRows);
        QByteArray content = "id,colour,label\n";
        for (int i = 0; i < 5000; ++i)
            content += QByteArray::number(i) + "," + (i % 2 ? "red" : "blue") + ","
                    + QByteArray::number(i % 4) + "\n";
        const QString path = writeTable(content);
        int64_t total = 0;
        for (int rank = 0; rank < shardCount; ++rank) {
            data::CsvOptions options;
            options.selection.shardCount = shardCount;
            options.selection.shardRank = rank;
            options.selection.fraction = fraction;
            options.selection.sampleRows = sampleRows;
            auto d = data::readCsvDataset(path.toStdString(), options);
            QVERIFY2(d, d ? "" : d.error().message().c_str());
            if (sampleRows > 0)
                QCOMPARE(d->rows, sampleRows);
            for (int64_t r = 0; r < d->rows; ++r) {
                const int id = int(d->row(r)[0]);
                QVERIFY(r == 0 || id > int(d->row(r - 1)[0])); // file order
                QCOMPARE(d->labels[size_t(r)], float(id % 4)); // the row's own label
                const std::string& colour = d->columnTypes[1].categories[size_t(d->row(r)[1])];
                QCOMPARE(colour, std::string(id % 2 ? "red" : "blue"));
            }
            total += d->rows;
        }
        if (fraction == 1.0 && sampleRows == 0)
            QCOMPARE(total, int64_t(5000));
        if (fraction < 1.0)
            QVERIFY(total > 350 && total < 650);
    }

private:
    QString writeTable(const QByteArray& content)
    {
        const QString path = m_dir.filePath(QString("table%1.csv").arg(++m_files));
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(content) != content.size())
            qFatal("cannot write %s", qPrintable(path));
        return path;
    }

    QTemporaryDir m_dir;
    int m_files = 0;
};

QTEST_APPLESS_MAIN(TestCsvReader)

#include "tst_csv_reader.moc"
