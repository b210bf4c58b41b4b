#include "data/batcher.h"

#include "common/assert.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

namespace ts::data {

namespace {

// Where a rank's consecutive part [rank * g / ranks, (rank + 1) * g / ranks) of the g rows of a
// global batch starts: the parts differ by at most one row.
int64_t sliceStart(int64_t globalRows, int rank, int ranks)
{
    return globalRows * rank / ranks;
}

} // namespace

Batcher::Batcher(const Dataset& data, int64_t batchSize, uint64_t seed, bool shuffle)
    : m_data(data)
    , m_batchSize(batchSize)
    , m_seed(seed)
    , m_shuffle(shuffle)
    , m_order(static_cast<size_t>(data.rows))
{
    TS_ASSERT(batchSize > 0);
    std::iota(m_order.begin(), m_order.end(), int64_t { 0 });
}

Batcher::Staging::~Staging()
{
    if (data)
        backend->deallocateHost(data);
}

float* Batcher::Staging::reserve(tensor::Backend& owner, size_t count)
{
    if (data && (backend != &owner || capacity < count)) {
        backend->deallocateHost(data);
        data = nullptr;
    }
    if (!data) {
        backend = &owner;
        data = owner.allocateHost(count);
        capacity = count;
    }
    return data;
}

void Batcher::setSlice(int rank, int ranks)
{
    TS_ASSERT(ranks > 0 && rank >= 0 && rank < ranks);
    m_rank = rank;
    m_ranks = ranks;
}

int64_t Batcher::batchCount() const
{
    const int64_t global = m_batchSize * m_ranks;
    const int64_t full = m_data.rows / global;
    return full + (m_data.rows % global >= m_ranks ? 1 : 0);
}

int64_t Batcher::rowsInGlobalBatch(int64_t batch) const
{
    const int64_t global = m_batchSize * m_ranks;
    return std::min(global, m_data.rows - batch * global);
}

int64_t Batcher::rowsInBatch(int64_t batch) const
{
    const int64_t global = rowsInGlobalBatch(batch);
    return sliceStart(global, m_rank + 1, m_ranks) - sliceStart(global, m_rank, m_ranks);
}

void Batcher::startEpoch(int epoch)
{
    std::iota(m_order.begin(), m_order.end(), int64_t { 0 });
    if (!m_shuffle)
        return;
    // Our own Fisher-Yates on mt19937_64 rather than std::shuffle, whose algorithm differs
    // between standard libraries: the order must be the same wherever the run is repeated.
    std::mt19937_64 generator(m_seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch));
    for (size_t i = m_order.size(); i > 1; --i) {
        const size_t j = static_cast<size_t>(generator() % i);
        std::swap(m_order[i - 1], m_order[j]);
    }
}

void Batcher::fill(int64_t batch, tensor::Backend& backend, tensor::Tensor& features,
                   tensor::Tensor& labels)
{
    const int64_t rows = rowsInBatch(batch);
    TS_ASSERT(rows > 0);
    const int64_t cols = m_data.cols;
    if (features.empty() || features.rows() != rows || &features.backend() != &backend) {
        // Images keep their NHWC shape (batch x height x width x channels) for convolutions.
        tensor::Shape shape { rows };
        if (m_data.sampleShape.empty())
            shape.push_back(cols);
        else
            shape.insert(shape.end(), m_data.sampleShape.begin(), m_data.sampleShape.end());
        features = tensor::Tensor(backend, std::move(shape));
        labels = tensor::Tensor(backend, { rows });
    }
    // CPU tensors are host memory: gather straight into them. Devices get one upload of a
    // gathered host copy.
    const bool host = backend.kind() == tensor::DeviceKind::Cpu;
    float* featureRows = features.data();
    float* labelRows = labels.data();
    if (!host) {
        // The previous batch's upload may still be reading the staging buffers.
        backend.synchronize();
        featureRows = m_stagingFeatures.reserve(backend, static_cast<size_t>(rows * cols));
        labelRows = m_stagingLabels.reserve(backend, static_cast<size_t>(rows));
    }
    const int64_t first =
            batch * m_batchSize * m_ranks + sliceStart(rowsInGlobalBatch(batch), m_rank, m_ranks);
    for (int64_t i = 0; i < rows; ++i) {
        const int64_t source = m_order[static_cast<size_t>(first + i)];
        std::memcpy(featureRows + i * cols, m_data.row(source),
                    static_cast<size_t>(cols) * sizeof(float));
        labelRows[i] = m_data.labels[static_cast<size_t>(source)];
    }
    if (!host) {
        backend.upload(features.data(), featureRows, static_cast<size_t>(rows * cols));
        backend.upload(labels.data(), labelRows, static_cast<size_t>(rows));
    }
}

} // namespace ts::data
