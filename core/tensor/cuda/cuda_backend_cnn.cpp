// CudaBackend: the convolution, pooling and batch-norm ops (the host side; kernels in im2col.cu,
// pooling.cu and batch_norm.cu). Each checks its shapes against the WindowGeometry, as the CPU
// backend does, because a wrong size here would read or write out of bounds on the device.
#include "tensor/cuda/cuda_backend.h"

#include "common/assert.h"
#include "tensor/cuda/batch_norm.cuh"
#include "tensor/cuda/im2col.cuh"
#include "tensor/cuda/pooling.cuh"
#include "tensor/tensor.h"

namespace ts::tensor::cuda_impl {

namespace {

void checkGeometry(const WindowGeometry& g)
{
    TS_ASSERT(g.batch >= 0 && g.height >= 0 && g.width >= 0 && g.channels >= 0);
    TS_ASSERT(g.kernelH >= 1 && g.kernelW >= 1 && g.strideH >= 1 && g.strideW >= 1);
    TS_ASSERT(g.padH >= 0 && g.padW >= 0 && g.dilationH >= 1 && g.dilationW >= 1);
    TS_ASSERT(g.outHeight() >= 0 && g.outWidth() >= 0);
}

int64_t imageSize(const WindowGeometry& g)
{
    return g.batch * g.height * g.width * g.channels;
}

int64_t pooledSize(const WindowGeometry& g)
{
    return g.patchCount() * g.channels;
}

// The matrix view of batch norm, as the CPU backend reads it: rows() samples (x pixels) by
// cols() channels, so NHWC activations arrive reshaped to (N * H * W) x C.
BatchNormShape batchNormShape(const Tensor& x, const Tensor& gamma)
{
    TS_ASSERT(x.rows() > 0 && gamma.size() == x.cols());
    return { x.rows(), x.cols() };
}

} // namespace

void CudaBackend::im2col(const Tensor& images, const WindowGeometry& g, Tensor& columns)
{
    checkGeometry(g);
    TS_ASSERT(images.size() == imageSize(g));
    TS_ASSERT(columns.size() == g.patchCount() * g.patchSize());
    makeCurrent();
    launchIm2col(deviceData(images), g, deviceData(columns), m_stream.get());
}

void CudaBackend::col2im(const Tensor& columns, const WindowGeometry& g, Tensor& images)
{
    checkGeometry(g);
    TS_ASSERT(images.size() == imageSize(g));
    TS_ASSERT(columns.size() == g.patchCount() * g.patchSize());
    makeCurrent();
    launchCol2im(deviceData(columns), g, deviceData(images), m_stream.get());
}

void CudaBackend::maxPoolForward(const Tensor& x, const WindowGeometry& g, Tensor& y)
{
    checkGeometry(g);
    TS_ASSERT(x.size() == imageSize(g) && y.size() == pooledSize(g));
    makeCurrent();
    launchMaxPoolForward(deviceData(x), g, deviceData(y), m_stream.get());
}

void CudaBackend::maxPoolBackward(const Tensor& x, const Tensor& y, const Tensor& dy,
                                  const WindowGeometry& g, Tensor& dx)
{
    checkGeometry(g);
    TS_ASSERT(x.size() == imageSize(g) && dx.size() == imageSize(g));
    TS_ASSERT(y.size() == pooledSize(g) && dy.size() == pooledSize(g));
    makeCurrent();
    launchMaxPoolBackward(deviceData(x), deviceData(y), deviceData(dy), g, deviceData(dx),
                          m_stream.get());
}

void CudaBackend::avgPoolForward(const Tensor& x, const WindowGeometry& g, Tensor& y)
{
    checkGeometry(g);
    TS_ASSERT(x.size() == imageSize(g) && y.size() == pooledSize(g));
    makeCurrent();
    launchAvgPoolForward(deviceData(x), g, deviceData(y), m_stream.get());
}

void CudaBackend::avgPoolBackward(const Tensor& dy, const WindowGeometry& g, Tensor& dx)
{
    checkGeometry(g);
    TS_ASSERT(dy.size() == pooledSize(g) && dx.size() == imageSize(g));
    makeCurrent();
    launchAvgPoolBackward(deviceData(dy), g, deviceData(dx), m_stream.get());
}

void CudaBackend::batchNormForward(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                   Tensor& runningMean, Tensor& runningVar, bool training,
                                   const BatchNormOptions& options, Tensor& savedMean,
                                   Tensor& savedInvStd, Tensor& y)
{
    const BatchNormShape s = batchNormShape(x, gamma);
    TS_ASSERT(beta.size() == s.channels && y.size() == x.size());
    TS_ASSERT(runningMean.size() == s.channels && runningVar.size() == s.channels);
    makeCurrent();
    // Workspaces are freed stream-ordered when they go out of scope: their memory is reused only
    // after the kernels queued here have run.
    if (!training) {
        Tensor workspace(*this, { batchNormInferenceWorkspaceFloats(s) });
        launchBatchNormInference(deviceData(x), deviceData(gamma), deviceData(beta),
                                 deviceData(runningMean), deviceData(runningVar), options.epsilon,
                                 deviceData(y), s, workspace.data(), m_stream.get());
        return;
    }
    TS_ASSERT(savedMean.size() == s.channels && savedInvStd.size() == s.channels);
    Tensor workspace(*this, { batchNormWorkspaceFloats(s) });
    launchBatchNormTraining(deviceData(x), deviceData(gamma), deviceData(beta),
                            deviceData(runningMean), deviceData(runningVar), options.momentum,
                            options.epsilon, deviceData(savedMean), deviceData(savedInvStd),
                            deviceData(y), s, workspace.data(), m_stream.get());
}

void CudaBackend::batchNormBackward(const Tensor& x, const Tensor& dy, const Tensor& gamma,
                                    const Tensor& savedMean, const Tensor& savedInvStd, Tensor& dx,
                                    Tensor& dgamma, Tensor& dbeta)
{
    const BatchNormShape s = batchNormShape(x, gamma);
    TS_ASSERT(dy.size() == x.size() && dx.size() == x.size());
    TS_ASSERT(savedMean.size() == s.channels && savedInvStd.size() == s.channels);
    TS_ASSERT(dgamma.size() == s.channels && dbeta.size() == s.channels);
    makeCurrent();
    Tensor workspace(*this, { batchNormWorkspaceFloats(s) });
    launchBatchNormBackward(deviceData(x), deviceData(dy), deviceData(gamma), deviceData(savedMean),
                            deviceData(savedInvStd), deviceData(dx), deviceData(dgamma),
                            deviceData(dbeta), s, workspace.data(), m_stream.get());
}

} // namespace ts::tensor::cuda_impl
