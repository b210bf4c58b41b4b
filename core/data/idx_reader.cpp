#include "data/idx_reader.h"

#include <zlib.h>

#include <algorithm>
#include <bit> // for std::bit_cast
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

namespace ts::data {
namespace {

struct GzCloser
{
    void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzPtr = std::unique_ptr<gzFile_s, GzCloser>;

using common::Error;
using common::ErrorKind;

// Bytes per value of each IDX type code, 0 for codes the format does not define.
int valueSize(uint8_t type)
{
    switch (type) {
    case 0x08: // uint8
    case 0x09: // int8
        return 1;
    case 0x0B: // int16
        return 2;
    case 0x0C: // int32
    case 0x0D: // float32
        return 4;
    case 0x0E: // float64
        return 8;
    default:
        return 0;
    }
}

uint64_t bigEndian(const uint8_t* bytes, int size)
{
    uint64_t value = 0;
    for (int i = 0; i < size; ++i)
        value = value << 8 | bytes[i];
    return value;
}

float decode(uint8_t type, const uint8_t* bytes)
{
    switch (type) {
    case 0x08:
        return bytes[0];
    case 0x09:
        return float(int8_t(bytes[0]));
    case 0x0B:
        return float(int16_t(uint16_t(bigEndian(bytes, 2))));
    case 0x0C:
        return float(int32_t(uint32_t(bigEndian(bytes, 4))));
    case 0x0D:
        return std::bit_cast<float>(uint32_t(bigEndian(bytes, 4)));
    default:
        return float(std::bit_cast<double>(bigEndian(bytes, 8)));
    }
}

std::string hexBytes(const uint8_t* bytes, size_t count)
{
    std::string text;
    for (size_t i = 0; i < count; ++i) {
        char hex[4];
        std::snprintf(hex, sizeof hex, i ? " %02x" : "%02x", bytes[i]);
        text += hex;
    }
    return text;
}

std::string joinDims(const std::vector<int64_t>& dims)
{
    std::string text;
    for (size_t i = 0; i < dims.size(); ++i) {
        if (i)
            text += 'x';
        text += std::to_string(dims[i]);
    }
    return text;
}

// Reads up to `size` bytes; fewer only at the end of the data. A truncated gzip stream is an
// error rather than a short read: zlib hands out what it decoded and flags Z_BUF_ERROR.
common::Expected<size_t> readSome(gzFile file, const std::string& path, uint8_t* buffer,
                                  size_t size)
{
    size_t done = 0;
    while (done < size) {
        const unsigned chunk = unsigned(std::min<size_t>(size - done, 1u << 20));
        const int got = gzread(file, buffer + done, chunk);
        if (got < 0 || (got == 0 && !gzeof(file))) {
            int code = Z_OK;
            const char* message = gzerror(file, &code);
            if (code == Z_ERRNO)
                return Error(ErrorKind::Io, path + ": cannot read: " + std::strerror(errno));
            return Error(ErrorKind::Corrupt, path + ": damaged gzip data: " + message);
        }
        if (got == 0) {
            int code = Z_OK;
            gzerror(file, &code);
            if (code == Z_BUF_ERROR)
                return Error(ErrorKind::Corrupt,
                             path + ": the gzip data ends early; the file is truncated");
            break;
        }
        done += size_t(got);
    }
    return done;
}

common::Expected<GzPtr> openFile(const std::string& path)
{
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return Error(ErrorKind::NotFound, path + ": no such file");
    if (std::filesystem::is_directory(path, ec))
        return Error(ErrorKind::InvalidInput, path + ": is a folder, not an IDX file");
    GzPtr file(gzopen(path.c_str(), "rb"));
    if (!file)
        return Error(ErrorKind::Io, path + ": cannot open: " + std::strerror(errno));
    return file;
}

struct Header
{
    uint8_t type = 0;
    int valueSize = 0;
    std::vector<int64_t> dims;
    int64_t count = 1; // product of dims
};

common::Expected<Header> readHeader(gzFile file, const std::string& path)
{
    uint8_t magic[4] = {};
    auto got = readSome(file, path, magic, sizeof magic);
    TS_TRY(got);
    if (*got == 0)
        return Error(ErrorKind::Corrupt, path + ": not an IDX file: the file is empty");
    if (*got < sizeof magic || magic[0] != 0 || magic[1] != 0 || magic[3] == 0) {
        return Error(ErrorKind::Corrupt,
                     path + ": not an IDX file: first bytes are " + hexBytes(magic, *got)
                             + " (expected 00 00, a type code, a dimension "
                               "count)");
    }
    Header header;
    header.type = magic[2];
    header.valueSize = valueSize(header.type);
    if (header.valueSize == 0) {
        return Error(ErrorKind::Unsupported,
                     path + ": IDX type code " + hexBytes(&header.type, 1)
                             + " is not supported (known: 08 uint8, 09 int8, 0b int16, 0c int32, "
                               "0d float32, 0e float64)");
    }

    std::vector<uint8_t> bytes(size_t(magic[3]) * 4);
    got = readSome(file, path, bytes.data(), bytes.size());
    TS_TRY(got);
    if (*got < bytes.size()) {
        return Error(ErrorKind::Corrupt,
                     path + ": the header ends early: " + std::to_string(*got) + " of the "
                             + std::to_string(bytes.size()) + " bytes of dimensions are present");
    }
    for (size_t i = 0; i < bytes.size(); i += 4) {
        header.dims.push_back(int64_t(bigEndian(bytes.data() + i, 4)));
        // Keeps the byte count within int64, so comparing it with the data cannot overflow.
        const int64_t dim = header.dims.back();
        if (dim && header.count > std::numeric_limits<int64_t>::max() / header.valueSize / dim) {
            return Error(ErrorKind::Corrupt,
                         path + ": header declares an impossible size " + joinDims(header.dims)
                                 + "...");
        }
        header.count *= dim;
    }
    return header;
}

// Reads the `expected` bytes of values into `data` and returns how many bytes the file holds
// after the header. The buffer grows with the data actually present rather than trusting the
// header: a damaged header must not make us allocate gigabytes.
common::Expected<uint64_t> readPayload(gzFile file, const std::string& path, uint64_t expected,
                                       std::vector<uint8_t>& data)
{
    while (data.size() < expected) {
        const size_t chunk = size_t(std::min<uint64_t>(expected - data.size(), 1u << 24));
        const size_t kept = data.size();
        data.resize(kept + chunk);
        auto got = readSome(file, path, data.data() + kept, chunk);
        TS_TRY(got);
        data.resize(kept + *got);
        if (*got < chunk)
            return uint64_t(data.size());
    }
    // Count the trailing bytes too, so the message says how much the file really holds.
    uint64_t total = data.size();
    uint8_t scratch[1 << 16];
    for (;;) {
        auto got = readSome(file, path, scratch, sizeof scratch);
        TS_TRY(got);
        total += *got;
        if (*got < sizeof scratch)
            return total;
    }
}

std::string formatNumber(double value)
{
    char text[32];
    std::snprintf(text, sizeof text, "%g", value);
    return text;
}

} // namespace

common::Expected<IdxArray> readIdx(const std::string& path)
{
    auto file = openFile(path);
    TS_TRY(file);
    auto header = readHeader(file->get(), path);
    TS_TRY(header);

    const uint64_t expected = uint64_t(header->count) * uint64_t(header->valueSize);
    std::vector<uint8_t> data;
    auto total = readPayload(file->get(), path, expected, data);
    TS_TRY(total);
    if (*total != expected) {
        return Error(ErrorKind::Corrupt,
                     path + ": header declares " + joinDims(header->dims) + " values ("
                             + std::to_string(expected) + " bytes) but the file holds "
                             + std::to_string(*total) + " bytes of data");
    }

    IdxArray array;
    array.dims = std::move(header->dims);
    array.values.resize(size_t(header->count));
    for (size_t i = 0; i < array.values.size(); ++i)
        array.values[i] = decode(header->type, data.data() + i * size_t(header->valueSize));
    return array;
}

common::Expected<Dataset> readIdxDataset(const std::string& imagesPath,
                                         const std::string& labelsPath)
{
    auto images = readIdx(imagesPath);
    TS_TRY(images);
    auto labels = readIdx(labelsPath);
    TS_TRY(labels);

    if (labels->dims.size() != 1) {
        return Error(ErrorKind::InvalidInput,
                     labelsPath + ": labels must be one value per image, found "
                             + joinDims(labels->dims) + " values");
    }
    const int64_t rows = images->dims[0];
    if (labels->dims[0] != rows) {
        return Error(ErrorKind::InvalidInput,
                     imagesPath + " holds " + std::to_string(rows) + " images but " + labelsPath
                             + " holds " + std::to_string(labels->dims[0])
                             + " labels; the counts must agree");
    }

    Dataset dataset;
    for (size_t i = 0; i < labels->values.size(); ++i) {
        const float label = labels->values[i];
        if (!(label >= 0) || label != std::floor(label)) {
            return Error(ErrorKind::InvalidInput,
                         labelsPath + ": label " + std::to_string(i) + " is " + formatNumber(label)
                                 + "; labels must be non-negative integer class indices");
        }
        dataset.classCount = std::max(dataset.classCount, int64_t(label) + 1);
    }
    dataset.rows = rows;
    dataset.cols = 1;
    for (size_t i = 1; i < images->dims.size(); ++i)
        dataset.cols *= images->dims[i];
    // n x height x width images have one channel; n x height x width x channels keep theirs.
    if (images->dims.size() == 3)
        dataset.sampleShape = { images->dims[1], images->dims[2], 1 };
    else if (images->dims.size() == 4)
        dataset.sampleShape = { images->dims[1], images->dims[2], images->dims[3] };
    dataset.features = std::move(images->values);
    dataset.labels = std::move(labels->values);
    dataset.origin = imagesPath;
    return dataset;
}

} // namespace ts::data
