#include "tensor/cuda/batch_norm.cuh"

#include "tensor/cuda/cuda_check.h"
#include "tensor/cuda/grid.cuh"

#include <algorithm>

namespace ts::tensor::cuda_impl {

namespace {

// A reduction block covers 32 channels (threadIdx.x: a warp reads 32 neighbouring floats of one
// row) and 8 row lanes (threadIdx.y), each lane walking every 8th row of the block's chunk.
constexpr int ChannelTile = 32;
constexpr int RowLanes = 8;
// Chunks split the rows so that a few channels still fill the GPU; each holds at least 64 rows.
constexpr int64_t MinRowsPerChunk = 64;
constexpr int64_t MaxChunks = 128;

int64_t chunksFor(int64_t rows)
{
    return std::clamp<int64_t>((rows + MinRowsPerChunk - 1) / MinRowsPerChunk, 1, MaxChunks);
}

// The workspace, in this order: the chunk partials (double2), the exact means (double), then
// three float coefficients per channel (scale and shift forward; k, a and b backward).
struct Workspace
{
    double2* partials;
    double* meanExact;
    float* coefficients;
};

Workspace workspaceOf(float* base, BatchNormShape s)
{
    auto* partials = reinterpret_cast<double2*>(base);
    auto* meanExact = reinterpret_cast<double*>(partials + chunksFor(s.rows) * s.channels);
    return { partials, meanExact, reinterpret_cast<float*>(meanExact + s.channels) };
}

struct SumTerm
{
    const float* x;
    __device__ double2 operator()(int64_t i, int64_t) const { return make_double2(x[i], 0.0); }
};

struct SquaredDeviationTerm
{
    const float* x;
    const double* mean;
    __device__ double2 operator()(int64_t i, int64_t c) const
    {
        const double d = static_cast<double>(x[i]) - mean[c];
        return make_double2(d * d, 0.0);
    }
};

// (dy, dy * xhat), xhat from the saved float statistics but computed in double.
struct BackwardTerm
{
    const float* x;
    const float* dy;
    const float* mean;
    const float* invStd;
    __device__ double2 operator()(int64_t i, int64_t c) const
    {
        const double xhat = (static_cast<double>(x[i]) - mean[c]) * static_cast<double>(invStd[c]);
        const double g = dy[i];
        return make_double2(g, g * xhat);
    }
};

// partials[chunk * channels + c] = the sums of term over the chunk's rows, in a fixed order.
template <typename Term>
__global__ void channelPartialsKernel(Term term, BatchNormShape s, int64_t chunkRows,
                                      double2* partials)
{
    __shared__ double2 lanes[RowLanes][ChannelTile];
    const int64_t c = static_cast<int64_t>(blockIdx.x) * ChannelTile + threadIdx.x;
    const int64_t begin = static_cast<int64_t>(blockIdx.y) * chunkRows;
    const int64_t end = begin + chunkRows < s.rows ? begin + chunkRows : s.rows;
    double2 sum = make_double2(0.0, 0.0);
    if (c < s.channels) {
        for (int64_t r = begin + threadIdx.y; r < end; r += RowLanes) {
            const double2 t = term(r * s.channels + c, c);
            sum.x += t.x;
            sum.y += t.y;
        }
    }
    lanes[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y != 0 || c >= s.channels)
        return;
    for (int lane = 1; lane < RowLanes; ++lane) {
        sum.x += lanes[lane][threadIdx.x].x;
        sum.y += lanes[lane][threadIdx.x].y;
    }
    partials[blockIdx.y * s.channels + c] = sum;
}

// The channel's totals: its partials added in chunk order.
__device__ double2 channelTotal(const double2* partials, int64_t chunks, int64_t channels,
                                int64_t c)
{
    double2 sum = make_double2(0.0, 0.0);
    for (int64_t k = 0; k < chunks; ++k) {
        sum.x += partials[k * channels + c].x;
        sum.y += partials[k * channels + c].y;
    }
    return sum;
}

__global__ void meanKernel(const double2* partials, int64_t chunks, BatchNormShape s,
                           double* meanExact)
{
    for (int64_t c = firstIndex(); c < s.channels; c += gridStride())
        meanExact[c] =
                channelTotal(partials, chunks, s.channels, c).x / static_cast<double>(s.rows);
}

// The saved and running statistics and the affine coefficients, all derived in double.
__global__ void trainingStatisticsKernel(const double2* partials, int64_t chunks, BatchNormShape s,
                                         const double* meanExact, const float* gamma,
                                         const float* beta, double momentum, double epsilon,
                                         float* runningMean, float* runningVar, float* savedMean,
                                         float* savedInvStd, float* scale, float* shift)
{
    // PyTorch's running variance is unbiased; with one row it is undefined, so the biased one
    // stands in (as on the CPU) rather than an infinity.
    const double unbias = s.rows > 1 ? double(s.rows) / double(s.rows - 1) : 1.0;
    for (int64_t c = firstIndex(); c < s.channels; c += gridStride()) {
        const double mean = meanExact[c];
        const double var = channelTotal(partials, chunks, s.channels, c).x / double(s.rows);
        const double invStd = 1.0 / sqrt(var + epsilon);
        savedMean[c] = static_cast<float>(mean);
        savedInvStd[c] = static_cast<float>(invStd);
        scale[c] = static_cast<float>(double(gamma[c]) * invStd);
        shift[c] = static_cast<float>(double(beta[c]) - mean * double(gamma[c]) * invStd);
        runningMean[c] =
                static_cast<float>((1.0 - momentum) * double(runningMean[c]) + momentum * mean);
        runningVar[c] = static_cast<float>((1.0 - momentum) * double(runningVar[c])
                                           + momentum * var * unbias);
    }
}

__global__ void inferenceCoefficientsKernel(const float* gamma, const float* beta,
                                            const float* runningMean, const float* runningVar,
                                            double epsilon, int64_t channels, float* scale,
                                            float* shift)
{
    for (int64_t c = firstIndex(); c < channels; c += gridStride()) {
        const double invStd = 1.0 / sqrt(double(runningVar[c]) + epsilon);
        scale[c] = static_cast<float>(double(gamma[c]) * invStd);
        shift[c] = static_cast<float>(double(beta[c])
                                      - double(runningMean[c]) * double(gamma[c]) * invStd);
    }
}

// y = x * scale + shift, rounded after the product as the CPU does (no FMA in this file).
__global__ void affineKernel(const float* x, const float* scale, const float* shift, float* y,
                             BatchNormShape s)
{
    const int64_t count = s.rows * s.channels;
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const int64_t c = i % s.channels;
        y[i] = x[i] * scale[c] + shift[c];
    }
}

// dbeta, dgamma, and the float coefficients k, a, b of dx = k * (dy - a - xhat * b).
__global__ void backwardTotalsKernel(const double2* partials, int64_t chunks, BatchNormShape s,
                                     const float* gamma, const float* invStd, float* dgamma,
                                     float* dbeta, float* k, float* a, float* b)
{
    for (int64_t c = firstIndex(); c < s.channels; c += gridStride()) {
        const double2 total = channelTotal(partials, chunks, s.channels, c);
        dbeta[c] = static_cast<float>(total.x);
        dgamma[c] = static_cast<float>(total.y);
        k[c] = static_cast<float>(double(gamma[c]) * double(invStd[c]));
        a[c] = static_cast<float>(total.x / double(s.rows));
        b[c] = static_cast<float>(total.y / double(s.rows));
    }
}

__global__ void inputGradientKernel(const float* x, const float* dy, const float* mean,
                                    const float* invStd, const float* k, const float* a,
                                    const float* b, float* dx, BatchNormShape s)
{
    const int64_t count = s.rows * s.channels;
    for (int64_t i = firstIndex(); i < count; i += gridStride()) {
        const int64_t c = i % s.channels;
        const float xhat = (x[i] - mean[c]) * invStd[c];
        dx[i] = k[c] * (dy[i] - a[c] - xhat * b[c]);
    }
}

template <typename Term>
void launchPartials(Term term, BatchNormShape s, double2* partials, cudaStream_t stream)
{
    const int64_t chunks = chunksFor(s.rows);
    const dim3 grid(static_cast<unsigned>((s.channels + ChannelTile - 1) / ChannelTile),
                    static_cast<unsigned>(chunks));
    channelPartialsKernel<<<grid, dim3(ChannelTile, RowLanes), 0, stream>>>(
            term, s, (s.rows + chunks - 1) / chunks, partials);
    CUDA_CHECK_LAUNCH();
}

void launchAffine(const float* x, const float* scale, const float* shift, float* y,
                  BatchNormShape s, cudaStream_t stream)
{
    affineKernel<<<gridFor(s.rows * s.channels), BlockSize, 0, stream>>>(x, scale, shift, y, s);
    CUDA_CHECK_LAUNCH();
}

} // namespace

int64_t batchNormWorkspaceFloats(BatchNormShape s)
{
    constexpr int64_t floatsPerDouble2 = sizeof(double2) / sizeof(float);
    constexpr int64_t floatsPerDouble = sizeof(double) / sizeof(float);
    return (chunksFor(s.rows) * floatsPerDouble2 + floatsPerDouble + 3) * s.channels;
}

int64_t batchNormInferenceWorkspaceFloats(BatchNormShape s)
{
    return 2 * s.channels;
}

void launchBatchNormTraining(const float* x, const float* gamma, const float* beta,
                             float* runningMean, float* runningVar, float momentum, float epsilon,
                             float* savedMean, float* savedInvStd, float* y, BatchNormShape s,
                             float* workspace, cudaStream_t stream)
{
    if (s.rows == 0 || s.channels == 0)
        return;
    const Workspace w = workspaceOf(workspace, s);
    const int64_t chunks = chunksFor(s.rows);
    const int channelBlocks = gridFor(s.channels);
    float* scale = w.coefficients;
    float* shift = w.coefficients + s.channels;
    launchPartials(SumTerm { x }, s, w.partials, stream);
    meanKernel<<<channelBlocks, BlockSize, 0, stream>>>(w.partials, chunks, s, w.meanExact);
    CUDA_CHECK_LAUNCH();
    launchPartials(SquaredDeviationTerm { x, w.meanExact }, s, w.partials, stream);
    trainingStatisticsKernel<<<channelBlocks, BlockSize, 0, stream>>>(
            w.partials, chunks, s, w.meanExact, gamma, beta, momentum, epsilon, runningMean,
            runningVar, savedMean, savedInvStd, scale, shift);
    CUDA_CHECK_LAUNCH();
    launchAffine(x, scale, shift, y, s, stream);
}

void launchBatchNormInference(const float* x, const float* gamma, const float* beta,
                              const float* runningMean, const float* runningVar, float epsilon,
                              float* y, BatchNormShape s, float* workspace, cudaStream_t stream)
{
    if (s.rows == 0 || s.channels == 0)
        return;
    float* scale = workspace;
    float* shift = workspace + s.channels;
    inferenceCoefficientsKernel<<<gridFor(s.channels), BlockSize, 0, stream>>>(
            gamma, beta, runningMean, runningVar, epsilon, s.channels, scale, shift);
    CUDA_CHECK_LAUNCH();
    launchAffine(x, scale, shift, y, s, stream);
}

void launchBatchNormBackward(const float* x, const float* dy, const float* gamma,
                             const float* savedMean, const float* savedInvStd, float* dx,
                             float* dgamma, float* dbeta, BatchNormShape s, float* workspace,
                             cudaStream_t stream)
{
    if (s.rows == 0 || s.channels == 0)
        return;
    const Workspace w = workspaceOf(workspace, s);
    float* k = w.coefficients;
    float* a = k + s.channels;
    float* b = a + s.channels;
    launchPartials(BackwardTerm { x, dy, savedMean, savedInvStd }, s, w.partials, stream);
    backwardTotalsKernel<<<gridFor(s.channels), BlockSize, 0, stream>>>(
            w.partials, chunksFor(s.rows), s, gamma, savedInvStd, dgamma, dbeta, k, a, b);
    CUDA_CHECK_LAUNCH();
    inputGradientKernel<<<gridFor(s.rows * s.channels), BlockSize, 0, stream>>>(
            x, dy, savedMean, savedInvStd, k, a, b, dx, s);
    CUDA_CHECK_LAUNCH();
}

} // namespace ts::tensor::cuda_impl
