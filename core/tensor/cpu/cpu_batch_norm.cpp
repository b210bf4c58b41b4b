// placeholder: batch normalisation on the CPU arrives with the convolution work.
#include "tensor/cpu/cpu_backend.h"

#include "common/assert.h"

namespace ts::tensor {

void CpuBackend::batchNormForward(const Tensor&, const Tensor&, const Tensor&, Tensor&, Tensor&,
                                  bool, const BatchNormOptions&, Tensor&, Tensor&, Tensor&)
{
    TS_ASSERT(!"pending");
}
void CpuBackend::batchNormBackward(const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                                   const Tensor&, Tensor&, Tensor&, Tensor&)
{
    TS_ASSERT(!"pending");
}

} // namespace ts::tensor
