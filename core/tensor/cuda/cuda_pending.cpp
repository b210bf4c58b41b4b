// placeholder: the CUDA ops of the convolution work (replaced by their kernels).
#include "cuda_backend.h"

#include "common/assert.h"

namespace ts::tensor::cuda_impl {

void CudaBackend::axpy(float, const Tensor&, Tensor&) { TS_ASSERT(!"pending"); }
void CudaBackend::multiply(const Tensor&, const Tensor&, Tensor&) { TS_ASSERT(!"pending"); }
void CudaBackend::scale(Tensor&, float) { TS_ASSERT(!"pending"); }
double CudaBackend::sumOfSquares(const Tensor&) { TS_ASSERT(!"pending"); return 0; }
float CudaBackend::meanSquaredError(const Tensor&, const Tensor&, Tensor*)
{
    TS_ASSERT(!"pending");
    return 0;
}
void CudaBackend::dropoutForward(const Tensor&, float, uint64_t, Tensor&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CudaBackend::im2col(const Tensor&, const WindowGeometry&, Tensor&) { TS_ASSERT(!"pending"); }
void CudaBackend::col2im(const Tensor&, const WindowGeometry&, Tensor&) { TS_ASSERT(!"pending"); }
void CudaBackend::maxPoolForward(const Tensor&, const WindowGeometry&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CudaBackend::maxPoolBackward(const Tensor&, const Tensor&, const Tensor&,
                                  const WindowGeometry&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CudaBackend::avgPoolForward(const Tensor&, const WindowGeometry&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CudaBackend::avgPoolBackward(const Tensor&, const WindowGeometry&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CudaBackend::batchNormForward(const Tensor&, const Tensor&, const Tensor&, Tensor&, Tensor&,
                                   bool, const BatchNormOptions&, Tensor&, Tensor&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CudaBackend::batchNormBackward(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                    const Tensor&, Tensor&, Tensor&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CudaBackend::adamStep(Tensor&, const Tensor&, Tensor&, Tensor&, const AdamOptions&)
{
    TS_ASSERT(!"pending");
}

} // namespace ts::tensor::cuda_impl
