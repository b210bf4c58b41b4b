// Batcher: cuts a Dataset into mini-batches in a shuffled order that depends only on the seed and
// the epoch, so two runs with the same seed see the same batches (and a resumed run continues
// with the batches it would have seen).
//
// Data parallel: with setSlice(rank, ranks) every rank walks the same shuffled order of the whole
// data set in global batches of batchSize * ranks rows and takes its own consecutive part of each,
// so the ranks' batches together are exactly the batch one worker with ranks times the batch size
// would take -- what makes N synchronous workers equal one worker with N x the batch. A last
// global batch with fewer rows than ranks is left out (some rank would get no row).
#pragma once

#include "data/dataset.h"
#include "tensor/tensor.h"

#include <cstdint>
#include <vector>

namespace ts::data {

class Batcher
{
public:
    Batcher(const Dataset& data, int64_t batchSize, uint64_t seed, bool shuffle = true);

    int64_t batchSize() const { return m_batchSize; }
    // This rank's part of every global batch (see above); rank in [0, ranks).
    void setSlice(int rank, int ranks);
    // Batches per epoch; the last one holds the remainder when rows is not a multiple.
    int64_t batchCount() const;
    // This rank's rows of batch `batch`, and those of all ranks together.
    int64_t rowsInBatch(int64_t batch) const;
    int64_t rowsInGlobalBatch(int64_t batch) const;

    // Sets the row order of `epoch` (0-based): a Fisher-Yates shuffle seeded by (seed, epoch).
    void startEpoch(int epoch);
    const std::vector<int64_t>& order() const { return m_order; }

    // Copies batch `batch` of the current epoch into `features` (rows x cols) and `labels`,
    // re-allocating them on `backend` when the batch size changes.
    void fill(int64_t batch, tensor::Backend& backend, tensor::Tensor& features,
              tensor::Tensor& labels);

private:
    const Dataset& m_data;
    int64_t m_batchSize;
    uint64_t m_seed;
    bool m_shuffle;
    int m_rank = 0;
    int m_ranks = 1;
    std::vector<int64_t> m_order;
    // Host copy of one batch before a device upload, in the backend's staging memory
    // (page-locked on CUDA, so the upload overlaps with the queued work).
    struct Staging
    {
        tensor::Backend* backend = nullptr;
        float* data = nullptr;
        size_t capacity = 0;
        Staging() = default;
        Staging(const Staging&) = delete;
        Staging& operator=(const Staging&) = delete;
        ~Staging();
        float* reserve(tensor::Backend& owner, size_t count);
    };
    Staging m_stagingFeatures;
    Staging m_stagingLabels;
};

} // namespace ts::data
