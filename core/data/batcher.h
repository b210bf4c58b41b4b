// Batcher: cuts a Dataset into mini-batches in a shuffled order that depends only on the seed and
// the epoch, so two runs with the same seed see the same batches (and a resumed run continues
// with the batches it would have seen).
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
    // Batches per epoch; the last one holds the remainder when rows is not a multiple.
    int64_t batchCount() const;
    int64_t rowsInBatch(int64_t batch) const;

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
