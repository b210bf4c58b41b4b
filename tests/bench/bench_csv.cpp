// CSV reader benchmark, TrainStudio's side: reads a numeric CSV with a header (last column
// "label") into a Dataset and prints one JSON object: rows, seconds, rows per second, MB/s.
// tests/bench/bench_csv.py runs it beside pandas.read_csv on the same file.
//
// usage: build/release/bin/bench_csv FILE.csv
#include "data/csv_reader.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: bench_csv FILE.csv\n");
        return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    auto data = ts::data::readCsvDataset(argv[1]);
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
