// libFuzzer target: the CSV reader on arbitrary bytes. Every input must give a Dataset or an
// Error; a crash, a hang or a sanitizer report is a bug. The reader reads files, so each input
// is written to a per-process file first.
#include "data/csv_reader.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const std::string path = "/tmp/trainstudio-fuzz-csv-" + std::to_string(getpid());
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(data, 1, size, f);
        std::fclose(f);
    }
    auto dataset = ts::data::readCsvDataset(path);
    if (dataset) {
        // A table that parsed must be consistent with itself.
        if (dataset->features.size() != size_t(dataset->rows * dataset->cols)
            || dataset->labels.size() != size_t(dataset->rows))
            __builtin_trap();
    } else if (dataset.error().message().empty()) {
        __builtin_trap(); // every refusal says why
    }
    return 0;
}
