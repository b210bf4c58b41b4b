// Sequential: a network as an ordered list of layers (MLPs and, later, CNN stacks).
#pragma once

#include "nn/layer.h"

#include <functional>
#include <memory>
#include <vector>

namespace ts::nn {

class Sequential
{
public:
    void add(std::unique_ptr<Layer> layer) { m_layers.push_back(std::move(layer)); }

    const std::vector<std::unique_ptr<Layer>>& layers() const { return m_layers; }
    // Every trainable parameter, in layer order.
    std::vector<Parameter*> parameters() const;
    // Every non-trainable buffer (batch-norm statistics), in layer order.
    std::vector<std::pair<std::string, tensor::Tensor*>> buffers() const;
    // Switches every layer between training and inference mode (see Layer::setTraining).
    void setTraining(bool training);
    int64_t parameterCount() const;

    // Runs every layer; the result is owned by the last layer.
    const tensor::Tensor& forward(const tensor::Tensor& input);
    // Back-propagates dLoss/dOutput through every layer, writing all parameter gradients, and
    // returns the first layer's input gradient when `needInputGrad` (a Sequential nested in a
    // ResidualBlock); otherwise it skips that gradient (inputs are data, not parameters) and
    // returns an empty tensor.
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad = false);
    // Called by backward() after each layer's gradients are written, last layer first: a
    // data-parallel strategy starts sending a bucket of gradients while the earlier layers are
    // still back-propagating. Empty = none.
    void setAfterLayerBackward(std::function<void(Layer&)> hook)
    {
        m_afterBackward = std::move(hook);
    }

    // "dense1(784->256) relu1 dense2(256->128) ..." for logs and run parameters.
    std::string describe() const;

private:
    std::vector<std::unique_ptr<Layer>> m_layers;
    std::function<void(Layer&)> m_afterBackward;
};

} // namespace ts::nn
