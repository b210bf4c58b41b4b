// Tests of the IDX reader: raw and gzip files, every value type, each kind of damaged file, and
// Fashion-MNIST itself when the Debian package is installed.
#include "data/idx_reader.h"

#include <QtCore/QFile>
#include <QtCore/QTemporaryDir>
#include <QtTest/QTest>

#include <zlib.h>

#include <memory>

using namespace ts;
using common::ErrorKind;

Q_DECLARE_METATYPE(ts::common::ErrorKind)

namespace {

struct GzCloser
{
    void operator()(gzFile_s* file) const { gzclose(file); }
};

const QString FashionDir = QStringLiteral("/usr/share/datasets/fashion-mnist/");

// An IDX file: 00 00, the type code, the dimension count, big-endian dims, then `payload`.
QByteArray idx(uint8_t type, const QList<uint32_t>& dims, const QByteArray& payload)
{
    QByteArray bytes("\0\0", 2);
    bytes.append(char(type)).append(char(dims.size()));
    for (uint32_t dim : dims) {
        for (int shift = 24; shift >= 0; shift -= 8)
            bytes.append(char((dim >> shift) & 0xff));
    }
    return bytes + payload;
}

void writeFile(const QString& path, const QByteArray& bytes, bool gzip)
{
    if (gzip) {
        std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.toLocal8Bit().constData(), "wb"));
        QVERIFY(file);
        QCOMPARE(gzwrite(file.get(), bytes.constData(), unsigned(bytes.size())), int(bytes.size()));
        return;
    }
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(bytes), bytes.size());
}

QByteArray gzipped(const QByteArray& bytes)
{
    QTemporaryDir dir;
    const QString path = dir.filePath("scratch.gz");
    writeFile(path, bytes, true);
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Bytes deflate cannot shrink much, so cutting the compressed file loses part of the stream.
QByteArray noise(int size)
{
    QByteArray bytes(size, '\0');
    uint32_t state = 12345;
    for (char& byte : bytes) {
        state = state * 1664525u + 1013904223u;
        byte = char(state >> 24);
    }
    return bytes;
}

QList<float> toList(const std::vector<float>& values)
{
    return QList<float>(values.begin(), values.end());
}

const QByteArray Images2x2x3("\x00\x01\x02\x7f\x80\xff\x0a\x14\x1e\x28\x32\x3c", 12);

} // namespace

class TestIdxReader final : public QObject
{
    Q_OBJECT

private slots:
    void readsUbyteImagesAndLabels_data()
    {
        QTest::addColumn<bool>("gzip");
        QTest::newRow("raw files") << false;
        QTest::newRow("gzip files") << true;
    }
    void readsUbyteImagesAndLabels()
    {
        QFETCH(bool, gzip);
        const QString images = m_dir.filePath("images");
        const QString labels = m_dir.filePath("labels");
        writeFile(images, idx(0x08, { 2, 2, 3 }, Images2x2x3), gzip);
        writeFile(labels, idx(0x08, { 2 }, QByteArray("\x03\x00", 2)), gzip);

        auto array = data::readIdx(images.toStdString());
        QVERIFY2(array, array ? "" : array.error().message().c_str());
        QCOMPARE(array->dims, (std::vector<int64_t> { 2, 2, 3 }));
        QCOMPARE(toList(array->values),
                 (QList<float> { 0, 1, 2, 127, 128, 255, 10, 20, 30, 40, 50, 60 }));

        auto dataset = data::readIdxDataset(images.toStdString(), labels.toStdString());
        QVERIFY2(dataset, dataset ? "" : dataset.error().message().c_str());
        QCOMPARE(dataset->rows, 2);
        QCOMPARE(dataset->cols, 6);
        QCOMPARE(dataset->classCount, 4);
        QCOMPARE(toList(dataset->labels), (QList<float> { 3, 0 }));
        QCOMPARE(dataset->row(1)[0], 10.0f);
        QCOMPARE(dataset->row(1)[5], 60.0f);
        QCOMPARE(dataset->origin, images.toStdString());
    }

    void readsEveryType_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QByteArray>("payload");
        QTest::addColumn<QList<float>>("expected");
        QTest::newRow("uint8") << 0x08 << QByteArray("\x00\xff", 2) << QList<float> { 0, 255 };
        QTest::newRow("int8") << 0x09 << QByteArray("\x7f\xff", 2) << QList<float> { 127, -1 };
        QTest::newRow("int16") << 0x0B << QByteArray("\x01\x02\xff\xfe", 4)
                               << QList<float> { 258, -2 };
        QTest::newRow("int32") << 0x0C << QByteArray("\x00\x01\x00\x00\xff\xff\xff\xff", 8)
                               << QList<float> { 65536, -1 };
        QTest::newRow("float32") << 0x0D << QByteArray("\x3f\xc0\x00\x00\xc0\x20\x00\x00", 8)
                                 << QList<float> { 1.5f, -2.5f };
        QTest::newRow("float64") << 0x0E
                                 << QByteArray("\x3f\xf8\0\0\0\0\0\0\xc0\x04\0\0\0\0\0\0", 16)
                                 << QList<float> { 1.5f, -2.5f };
    }
    void readsEveryType()
    {
        QFETCH(int, type);
        QFETCH(QByteArray, payload);
        QFETCH(QList<float>, expected);
        const QString path = m_dir.filePath("typed");
        writeFile(path, idx(uint8_t(type), { 2 }, payload), false);
        auto array = data::readIdx(path.toStdString());
        QVERIFY2(array, array ? "" : array.error().message().c_str());
        QCOMPARE(toList(array->values), expected);
    }

    void rejectsDamagedFiles_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<bool>("missing");
        QTest::addColumn<ErrorKind>("kind");
        QTest::addColumn<QString>("message");
        const QByteArray good = idx(0x08, { 2, 3 }, QByteArray(6, '\x01'));
        const QByteArray large = gzipped(idx(0x08, { 4000 }, noise(4000)));
        QTest::newRow("missing file")
                << QByteArray() << true << ErrorKind::NotFound << "no such file";
        QTest::newRow("empty file") << QByteArray() << false << ErrorKind::Corrupt
                                    << "not an IDX file: the file is empty";
        QTest::newRow("text, not IDX")
                << QByteArray("hello world") << false << ErrorKind::Corrupt
                << "not an IDX file: first bytes are 68 65 6c 6c (expected 00 00";
        QTest::newRow("gzip inside gzip") << gzipped(gzipped(good)) << false << ErrorKind::Corrupt
                                          << "not an IDX file: first bytes are 1f 8b 08";
        QTest::newRow("unknown type code")
                << idx(0x10, { 2 }, "ab") << false << ErrorKind::Unsupported << "type code 10";
        QTest::newRow("truncated header") << good.left(9) << false << ErrorKind::Corrupt
                                          << "the header ends early: 5 of the 8 bytes";
        QTest::newRow("truncated data")
                << good.left(good.size() - 2) << false << ErrorKind::Corrupt
                << "header declares 2x3 values (6 bytes) but the file holds 4 bytes of data";
        QTest::newRow("trailing bytes")
                << good + "xy" << false << ErrorKind::Corrupt
                << "header declares 2x3 values (6 bytes) but the file holds 8 bytes of data";
        QTest::newRow("truncated gzip")
                << large.left(large.size() / 2) << false << ErrorKind::Corrupt << "gzip data";
        QTest::newRow("impossible size")
                << idx(0x0E, { 0xffffffff, 0xffffffff, 0xffffffff }, {}) << false
                << ErrorKind::Corrupt << "header declares an impossible size";
    }
    void rejectsDamagedFiles()
    {
        QFETCH(QByteArray, content);
        QFETCH(bool, missing);
        QFETCH(ErrorKind, kind);
        QFETCH(QString, message);
        const QString path = m_dir.filePath("damaged.idx");
        QFile::remove(path);
        if (!missing)
            writeFile(path, content, false);
        auto array = data::readIdx(path.toStdString());
        QVERIFY(!array);
        const QString actual = QString::fromStdString(array.error().message());
        QVERIFY2(actual.startsWith(path + ": "), qPrintable(actual));
        QVERIFY2(actual.contains(message), qPrintable(actual));
        QCOMPARE(array.error().kind(), kind);
    }

    void rejectsMismatchedDatasets_data()
    {
        QTest::addColumn<QByteArray>("labels");
        QTest::addColumn<QString>("message");
        QTest::newRow("more labels than images")
                << idx(0x08, { 3 }, QByteArray(3, '\0')) << "holds 2 images but";
        QTest::newRow("negative label")
                << idx(0x09, { 2 }, QByteArray("\x00\xff", 2)) << "label 1 is -1; labels must be";
        QTest::newRow("fractional label")
                << idx(0x0D, { 2 }, QByteArray("\x3f\xc0\x00\x00\x00\x00\x00\x00", 8))
                << "label 0 is 1.5; labels must be";
        QTest::newRow("labels of two dimensions")
                << idx(0x08, { 2, 1 }, QByteArray(2, '\0')) << "one value per image, found 2x1";
    }
    void rejectsMismatchedDatasets()
    {
        QFETCH(QByteArray, labels);
        QFETCH(QString, message);
        const QString imagesPath = m_dir.filePath("images");
        const QString labelsPath = m_dir.filePath("labels");
        writeFile(imagesPath, idx(0x08, { 2, 2, 3 }, Images2x2x3), false);
        writeFile(labelsPath, labels, false);
        auto dataset = data::readIdxDataset(imagesPath.toStdString(), labelsPath.toStdString());
        QVERIFY(!dataset);
        QCOMPARE(dataset.error().kind(), ErrorKind::InvalidInput);
        const QString actual = QString::fromStdString(dataset.error().message());
        QVERIFY2(actual.contains(labelsPath), qPrintable(actual));
        QVERIFY2(actual.contains(message), qPrintable(actual));
    }

    void readsFashionMnistTestSet()
    {
        const QString labels = FashionDir + "t10k-labels-idx1-ubyte.gz";
        const QString images = FashionDir + "t10k-images-idx3-ubyte.gz";
        if (!QFile::exists(labels) || !QFile::exists(images))
            QSKIP("Fashion-MNIST is missing: install the Debian package dataset-fashion-mnist");
        auto dataset = data::readIdxDataset(images.toStdString(), labels.toStdString());
        QVERIFY2(dataset, dataset ? "" : dataset.error().message().c_str());
        QCOMPARE(dataset->rows, 10000);
        QCOMPARE(dataset->cols, 28 * 28);
        QCOMPARE(dataset->classCount, 10);
        std::vector<int> perClass(10);
        for (float label : dataset->labels)
            ++perClass[size_t(label)];
        QCOMPARE(perClass, std::vector<int>(10, 1000));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_APPLESS_MAIN(TestIdxReader)

#include "tst_idx_reader.moc"
