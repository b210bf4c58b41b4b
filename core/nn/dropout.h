// Dropout: zeroes each element with probability p during training and scales the survivors by
// 1 / (1 - p) (inverted dropout), so inference is the identity.
//
// Every training forward draws a new mask from a seed mixed from (seed, calls()); the backend
// computes the mask from that seed and the element index alone (tensor/dropout_hash.h), so
// every backend draws the same masks and a checkpoint that restores calls() resumes the exact
// sequence of masks.
#pragma once

#include "nn/layer.h"

#include <cstdint>

namespace ts::nn {

class Dropout final : public Layer
{
public:
    Dropout(std::string name, tensor::Backend& backend, float p, uint64_t seed);

    float probability() const { return m_p; }
    uint64_t seed() const { return m_seed; }
    // Training forwards so far: the mask of the next one is drawn from (seed, calls()).
    uint64_t calls() const { return m_calls; }
    void setCalls(uint64_t calls) { m_calls = calls; }
    // The mask of the last training forward (0 or 1 / (1 - p) per element).
    const tensor::Tensor& mask() const { return m_mask; }

    const tensor::Tensor& forward(const tensor::Tensor& input) override;
    const tensor::Tensor& backward(const tensor::Tensor& outputGrad, bool needInputGrad) override;

private:
    tensor::Backend& m_backend;
    float m_p;
    uint64_t m_seed;
    uint64_t m_calls = 0;
    bool m_identity = false; // the last forward passed its input through
    tensor::Tensor m_mask;
    tensor::Tensor m_output;
    tensor::Tensor m_passThrough; // the input (or output gradient) itself in identity mode
    tensor::Tensor m_inputGrad;
};

} // namespace ts::nn
