// Layer: one differentiable step of a network.
//
// Training runs forward() over the layers in order, then backward() in reverse:
//
// @code
//     const Tensor* x = &batch;
//     for (auto& layer : layers) x = &layer->forward(*x);
//     const Tensor* g = &lossGradient;
//     for (size_t i = layers.size(); i-- > 0;) g = &layers[i]->backward(*g, i > 0);
// @endcode
//
// A layer keeps what its backward pass needs (its input or output) between the two calls and owns
// its output buffers, re-allocating them only when the batch size changes (the last batch of an
// epoch is smaller). Returned references stay valid until the next call on the same layer.
#pragma once

#include "nn/parameter.h"
#include "tensor/tensor.h"

#include <string>
#include <utility>
#include <vector>

namespace ts::nn {

class Layer
{
public:
    explicit Layer(std::string name)
        : m_name(std::move(name))
    {}
    virtual ~Layer() = default;

    const std::string& name() const { return m_name; }

    // The output for `input` (rows = samples).
    virtual const tensor::Tensor& forward(const tensor::Tensor& input) = 0;
    // Given dLoss/dOutput, writes the parameter gradients and returns dLoss/dInput; skips the
    // input gradient and returns an empty tensor when `needInputGrad` is false (first layer).
    virtual const tensor::Tensor& backward(const tensor::Tensor& outputGrad,
                                           bool needInputGrad) = 0;
    // Trainable parameters; none for activations.
    virtual std::vector<Parameter*> parameters() { return {}; }
    // Non-trainable state saved with the model (batch-norm running statistics), by name.
    virtual std::vector<std::pair<std::string, tensor::Tensor*>> buffers() { return {}; }

    // Training mode (the default) or inference mode: batch norm switches to its running
    // statistics and dropout to the identity. Containers forward the switch to their children.
    virtual void setTraining(bool training) { m_training = training; }
    bool training() const { return m_training; }

protected:
    // Makes `buffer` a rows x cols tensor on `backend`, keeping it when the shape already fits.
    static void ensureShape(tensor::Tensor& buffer, tensor::Backend& backend, int64_t rows,
                            int64_t cols)
    {
        if (buffer.empty() || buffer.rows() != rows || buffer.cols() != cols)
            buffer = tensor::Tensor(backend, { rows, cols });
    }
    // The same for any shape: element-wise layers keep their input's shape (NHWC images stay
    // images).
    static void ensureShape(tensor::Tensor& buffer, tensor::Backend& backend,
                            const tensor::Shape& shape)
    {
        if (buffer.empty() || buffer.shape() != shape)
            buffer = tensor::Tensor(backend, shape);
    }

private:
    std::string m_name;
    bool m_training = true;
};

} // namespace ts::nn
