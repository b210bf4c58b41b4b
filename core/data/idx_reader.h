// Reader for the IDX format of MNIST and Fashion-MNIST, raw or gzip-compressed.
//
// An IDX file is a big-endian header (two zero bytes, a type byte, a dimension count, then one
// uint32 per dimension) followed by the values. Types: 0x08 uint8, 0x09 int8, 0x0B int16,
// 0x0C int32, 0x0D float32, 0x0E float64; every value is converted to float. The reader checks
// the header and that the data holds exactly the declared count, naming the file and what it
// found on error (ErrorKind::NotFound for a missing file, ErrorKind::Corrupt for bad content).
#pragma once

#include "common/result.h"
#include "data/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts::data {

struct IdxArray
{
    std::vector<int64_t> dims;
    std::vector<float> values; // product(dims) values, row-major
};

common::Expected<IdxArray> readIdx(const std::string& path);

// Images (n x d1 x d2 ...) and labels (n) as a Dataset with one row per image; the counts must
// agree and the labels must be non-negative integers. Pixel values are kept as read (0..255).
// Image files (n x h x w, or n x h x w x c) set sampleShape to {h, w, 1} (or {h, w, c}).
common::Expected<Dataset> readIdxDataset(const std::string& imagesPath,
                                         const std::string& labelsPath);

} // namespace ts::data
