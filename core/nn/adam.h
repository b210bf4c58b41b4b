// Adam and AdamW (torch.optim.Adam / torch.optim.AdamW, amsgrad off):
//   Adam:  g' = g + weightDecay * w            AdamW: w -= lr * weightDecay * w;  g' = g
//   m = beta1 m + (1 - beta1) g';  v = beta2 v + (1 - beta2) g'^2
//   w -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)
// with t the 1-based step (stepCount() + 1 during step()). State: "<parameter>.adam_m" and
// "<parameter>.adam_v", zero at the start.
#pragma once

#include "nn/optimizer.h"
#include "tensor/backend.h" // for AdamOptions

#include <vector>

namespace ts::nn {

class Adam final : public Optimizer
{
public:
    // options.learningRate is the initial rate; options.step is ignored (the optimizer counts).
    // decoupledWeightDecay selects AdamW.
    Adam(std::vector<Parameter*> parameters, tensor::AdamOptions options);

    const tensor::AdamOptions& options() const { return m_options; }
    void step() override;
    NamedState state() override;

private:
    std::vector<tensor::Tensor> m_firstMoment;  // m, one per parameter
    std::vector<tensor::Tensor> m_secondMoment; // v, one per parameter
    tensor::AdamOptions m_options;
};

} // namespace ts::nn
