// Tests of timestamp parsing: the ISO 8601 and PostgreSQL forms tables hold, each to the exact
// microsecond since the epoch (values worked out with Python's datetime), and the text that is
// refused.
#include "data/timestamp.h"

#include <QtTest/QTest>

using namespace ts;

class TestTimestamp final : public QObject
{
    Q_OBJECT

private slots:
    void parses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("micros");

        // datetime(2024, 3, 1, tzinfo=timezone.utc).timestamp() == 1709251200
        QTest::newRow("a date is midnight UTC") << "2024-03-01" << qint64(1709251200) * 1000000;
        QTest::newRow("the epoch") << "1970-01-01 00:00:00" << qint64(0);
        QTest::newRow("before the epoch") << "1969-12-31 23:59:59" << qint64(-1000000);
        QTest::newRow("minutes without seconds")
                << "2024-03-01 12:30" << (qint64(1709251200) + 45000) * 1000000;
        QTest::newRow("T separator")
                << "2024-03-01T12:30:05" << (qint64(1709251200) + 45005) * 1000000;
        QTest::newRow("microseconds")
                << "2024-03-01 00:00:00.123456" << qint64(1709251200) * 1000000 + 123456;
        QTest::newRow("milliseconds")
                << "2024-03-01 00:00:00.5" << qint64(1709251200) * 1000000 + 500000;
        QTest::newRow("digits past microseconds are dropped")
                << "2024-03-01 00:00:00.1234569" << qint64(1709251200) * 1000000 + 123456;
        QTest::newRow("Z is UTC") << "2024-03-01T00:00:00Z" << qint64(1709251200) * 1000000;
        QTest::newRow("PostgreSQL's +00")
                << "2024-03-01 00:00:00+00" << qint64(1709251200) * 1000000;
        QTest::newRow("an offset east is earlier in UTC")
                << "2024-03-01 02:00:00+02:00" << qint64(1709251200) * 1000000;
        QTest::newRow("an offset west, no colon")
                << "2024-02-29 19:00:00-0500" << qint64(1709251200) * 1000000;
        QTest::newRow("29 February of a leap year") << "2000-02-29" << qint64(951782400) * 1000000;
        QTest::newRow("spaces around") << "  2024-03-01  " << qint64(1709251200) * 1000000;
    }
    void parses()
    {
        QFETCH(QString, text);
        QFETCH(qint64, micros);
        const auto parsed = data::parseTimestamp(text.toStdString());
        QVERIFY(parsed.has_value());
        QCOMPARE(qint64(*parsed), micros);
    }

    void refuses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << "";
        QTest::newRow("a number") << "1709251200";
        QTest::newRow("day-first") << "01/03/2024";
        QTest::newRow("29 February of a common year") << "2023-02-29";
        QTest::newRow("month 13") << "2024-13-01";
        QTest::newRow("hour 24") << "2024-03-01 24:00";
        QTest::newRow("minute 60") << "2024-03-01 12:60";
        QTest::newRow("a dot without digits") << "2024-03-01 12:30:00.";
        QTest::newRow("text after it") << "2024-03-01 noon";
        QTest::newRow("a bad zone") << "2024-03-01 12:00+25";
        QTest::newRow("a one-digit month") << "2024-3-01";
    }
    void refuses()
    {
        QFETCH(QString, text);
        QVERIFY(!data::parseTimestamp(text.toStdString()).has_value());
    }

    void formatsWhatItParses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("a time") << "2024-03-01 12:30:05";
        QTest::newRow("with microseconds") << "2024-03-01 12:30:05.000001";
        QTest::newRow("before the epoch") << "1900-01-01 00:00:00";
        QTest::newRow("far ahead") << "2399-12-31 23:59:59";
    }
    void formatsWhatItParses()
    {
        QFETCH(QString, text);
        const auto parsed = data::parseTimestamp(text.toStdString());
        QVERIFY(parsed.has_value());
        QCOMPARE(QString::fromStdString(data::formatTimestamp(*parsed)), text);
    }
};

QTEST_APPLESS_MAIN(TestTimestamp)

#include "tst_timestamp.moc"
