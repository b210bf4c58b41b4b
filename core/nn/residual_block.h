// ResidualBlock: y = relu(main(x) + shortcut(x)), the basic block of a ResNet.
//
// `main` is typically conv-bn-relu-conv-bn; `shortcut` is null for the identity, or a 1x1
// strided conv (and batch norm) when the block changes the resolution or the channel count.
// The final ReLU belongs to the block. Backward sends the gradient through that ReLU, then into
// both branches, and sums their input gradients:
//
// @code
//     g  = relu'(y) * dy
//     dx = main.backward(g) + (shortcut ? shortcut.backward(g) : g)
// @endcode
#pragma once

#include "nn/layer.h"
#include "nn/sequential.h"

#include <memory>

namespace ts::nn {

class ResidualBlock final : public Layer
{
public:
    // `shortcut` may be null: the identity, which requires main to keep the input's shape.
    ResidualBlock(std::string name, tensor::Backend& backend, std::unique_ptr<Sequential> main,
                  std::unique_ptr<Sequential> shortcut);

    Sequential& main() { return *m_main; }
    Sequential* shortcut() { return m_shortcut.get(); } // null for the identity

    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;
    // The main branch's parameters, then the shortcut's.
    std::vector<Parameter*> parameters() override;
    std::vector<std::pair<std::string, tensor::Tensor*>> buffers() override;
    void setTraining(bool training) override;

private:
    tensor::Backend& m_backend;
    std::unique_ptr<Sequential> m_main;
    std::unique_ptr<Sequential> m_shortcut;
    tensor::Tensor m_output;  // relu(main + shortcut); its sign is all backward needs
    tensor::Tensor m_sumGrad; // the gradient at main(x) + shortcut(x)
    tensor::Tensor m_inputGrad;
};

} // namespace ts::nn
