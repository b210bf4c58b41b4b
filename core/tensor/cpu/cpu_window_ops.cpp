// placeholder: im2col/col2im and pooling on the CPU arrive with the convolution work.
#include "tensor/cpu/cpu_backend.h"

#include "common/assert.h"

namespace ts::tensor {

void CpuBackend::im2col(const Tensor&, const WindowGeometry&, Tensor&) { TS_ASSERT(!"pending"); }
void CpuBackend::col2im(const Tensor&, const WindowGeometry&, Tensor&) { TS_ASSERT(!"pending"); }
void CpuBackend::maxPoolForward(const Tensor&, const WindowGeometry&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CpuBackend::maxPoolBackward(const Tensor&, const Tensor&, const Tensor&,
                                 const WindowGeometry&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CpuBackend::avgPoolForward(const Tensor&, const WindowGeometry&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CpuBackend::avgPoolBackward(const Tensor&, const WindowGeometry&, Tensor&)
{
    TS_ASSERT(!"pending");
}

} // namespace ts::tensor
