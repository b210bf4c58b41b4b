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

    void rejectsBadContent_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("missing");
        QTest::addColumn<ErrorKind>("kind");
        // The message is the file path followed by this text.
        QTest::addColumn<QString>("message");

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
                << ":3, column 'b' (field 2): 'abc' is not a number";
        QTest::newRow("number with a unit")
                << QByteArray("a,label\n1.5kg,0\n") << false << ErrorKind::InvalidInput
                << ":2, column 'a' (field 1): '1.5kg' is not a number";
        QTest::newRow("infinite value")
                << QByteArray("a,label\ninf,0\n") << false << ErrorKind::InvalidInput
                << ":2, column 'a' (field 1): 'inf' is not a finite number";
        QTest::newRow("empty label")
                << QByteArray("a,b,label\n1,2,0\n1,2,\n") << false << ErrorKind::InvalidInput
                << ":3, column 'label' (field 3): '' is empty; every row needs a class index in "
                   "the label column";
        QTest::newRow("missing marker as a label")
                << QByteArray("a,label\n1,NA\n") << false << ErrorKind::InvalidInput
                << ":2, column 'label' (field 2): 'NA' is not a class index (a non-negative "
                   "integer)";
        QTest::newRow("marker with extra text")
                << QByteArray("a,label\nNA1,0\n") << false << ErrorKind::InvalidInput
                << ":2, column 'a' (field 1): 'NA1' is not a number";
        QTest::newRow("missing label column")
                << QByteArray("a,b,c\n1,2,3\n") << false << ErrorKind::NotFound
                << ": no column 'label' in the header (columns: a, b, c)";
        QTest::newRow("negative label")
                << QByteArray("a,label\n1,-1\n") << false << ErrorKind::InvalidInput
                << ":2, column 'label' (field 2): '-1' is not a class index (a non-negative "
                   "integer)";
        QTest::newRow("fractional label")
                << QByteArray("a,label\n1,0\n2,1.5\n") << false << ErrorKind::InvalidInput
                << ":3, column 'label' (field 2): '1.5' is not a class index (a non-negative "
                   "integer)";
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
        auto dataset = data::readCsvDataset(path.toStdString());
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
