// A metric-writing process for the crash-safety and concurrency tests of the experiment store.
// It commits batch after batch of metric points through a MetricWriter and, only after each
// commit has returned, prints "committed K" on stdout: the parent kills it at random moments and
// checks that every acknowledged batch is in the file.
//
// usage: store_writer_child STORE RUN WORKER FIRST_BATCH BATCHES POINTS_PER_BATCH
// Batch k holds points k * POINTS .. (k + 1) * POINTS - 1 of metric "loss" at those steps, with
// value = step * 0.5 + worker (so the parent knows every value). BATCHES 0 writes forever.
#include "store/metric_writer.h"

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv)
{
    if (argc != 7) {
        std::fprintf(stderr,
                     "usage: store_writer_child STORE RUN WORKER FIRST_BATCH BATCHES "
                     "POINTS_PER_BATCH\n");
        return 2;
    }
    const std::string path = argv[1];
    const int64_t run = std::atoll(argv[2]);
    const int worker = std::atoi(argv[3]);
    const int64_t first = std::atoll(argv[4]);
    const int64_t batches = std::atoll(argv[5]);
    const int64_t points = std::atoll(argv[6]);
    ts::store::MetricWriter::Options options;
    options.batchRows = size_t(points) + 1; // commits happen on flush() only
    options.flushSeconds = 1e9;
    auto writer = ts::store::MetricWriter::open(path, options);
    if (!writer) {
        std::fprintf(stderr, "%s\n", writer.error().message().c_str());
        return 1;
    }
    for (int64_t k = first; batches == 0 || k < first + batches; ++k) {
        for (int64_t i = 0; i < points; ++i) {
            const int64_t step = k * points + i;
            auto appended = (*writer)->append(
                    { run, "loss", worker, step, double(step) * 0.5 + worker, double(step) });
            if (!appended) {
                std::fprintf(stderr, "%s\n", appended.error().message().c_str());
                return 1;
            }
        }
        if (auto committed = (*writer)->flush(); !committed) {
            std::fprintf(stderr, "%s\n", committed.error().message().c_str());
            return 1;
        }
        std::printf("committed %lld\n", static_cast<long long>(k));
        std::fflush(stdout);
    }
    return 0;
}
