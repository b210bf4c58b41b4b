// CSV reader benchmark, TrainStudio's side: reads a CSV with a header (label column "label",
// column types inferred) into a Dataset and prints one JSON object: rows kept, seconds, rows of
// the file per second, MB/s. With --fraction F it streams the file keeping a seeded F sample of
// the rows, the way a pipeline's "sample" reads a file larger than memory.
// tests/bench/bench_csv.py runs it beside pandas.read_csv on the same file.
//
// usage: build/release/bin/bench_csv FILE.csv [--fraction F]
#include "data/csv_reader.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

int main(int argc, char** argv)
{
    if (argc != 2 && !(argc == 4 && std::strcmp(argv[2], "--fraction") == 0)) {
        std::fprintf(stderr, "usage: bench_csv FILE.csv [--fraction F]\n");
        return 2;
    }
    ts::data::CsvOptions options;
    if (argc == 4)
        options.selection.fraction = std::atof(argv[3]);
    const auto start = std::chrono::steady_clock::now();
    auto data = ts::data::readCsvDataset(argv[1], options);
    const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!data) {
        std::fprintf(stderr, "bench_csv: %s\n", data.error().message().c_str());
        return 1;
    }
    const double megabytes = double(std::filesystem::file_size(argv[1])) / 1e6;
    std::printf("{\"rows\": %lld, \"seconds\": %.4f, \"rows_per_second\": %.0f, "
                "\"mb_per_second\": %.1f}\n",
                static_cast<long long>(data->rows), seconds, double(data->rows) / seconds,
                megabytes / seconds);
    return 0;
}
