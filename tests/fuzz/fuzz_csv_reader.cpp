// libFuzzer target: the CSV reader on arbitrary bytes. Every input must give a Dataset or an
// Error; a crash, a hang or a sanitizer report is a bug. The reader reads files, so each input
// is written to a per-process file first. The first byte picks the options (header or not, how
// many rows infer the column types, a sample or a shard, the delimiter), so the typed columns,
// times and selections are fuzzed too.
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
    ts::data::CsvOptions options;
    if (size > 0) {
        const uint8_t knobs = data[0];
        options.header = (knobs & 1) == 0;
        if (!options.header)
            options.labelColumn = "column1";
        options.inferRows = (knobs & 2) ? 1 : 1000;
        if (knobs & 4)
            options.selection.sampleRows = 3;
        if (knobs & 8)
            options.selection.fraction = 0.5;
        if (knobs & 16) {
            options.selection.shardCount = 2;
            options.selection.shardRank = (knobs >> 5) & 1;
        }
        if (knobs & 64)
            options.delimiter = ';';
    }
    auto dataset = ts::data::readCsvDataset(path, options);
    if (dataset) {
        // A table that parsed must be consistent with itself.
        if (dataset->features.size() != size_t(dataset->rows * dataset->cols)
            || dataset->labels.size() != size_t(dataset->rows))
            __builtin_trap();
        for (const auto& times : dataset->timeColumns)
            if (times.micros.size() != size_t(dataset->rows))
                __builtin_trap();
        for (int64_t j = 0; j < dataset->cols; ++j) { // every code names a category
            if (dataset->kindOf(j) != ts::data::ColumnKind::Categorical)
                continue;
            for (int64_t i = 0; i < dataset->rows; ++i) {
                const float code = dataset->row(i)[j];
                if (code == code
                    && size_t(code) >= dataset->columnTypes[size_t(j)].categories.size())
                    __builtin_trap();
            }
        }
        for (const float label : dataset->labels)
            if (!(label >= 0 && label < float(dataset->classCount)))
                __builtin_trap();
    } else if (dataset.error().message().empty()) {
        __builtin_trap(); // every refusal says why
    }
    return 0;
}
