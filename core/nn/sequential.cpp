#include "nn/sequential.h"

#include "common/assert.h"
#include "nn/conv2d.h"
#include "nn/dense.h"

namespace ts::nn {

std::vector<Parameter*> Sequential::parameters() const
{
    std::vector<Parameter*> all;
    for (const auto& layer : m_layers)
        for (Parameter* p : layer->parameters())
            all.push_back(p);
    return all;
}

std::vector<std::pair<std::string, tensor::Tensor*>> Sequential::buffers() const
{
    std::vector<std::pair<std::string, tensor::Tensor*>> all;
    for (const auto& layer : m_layers)
        for (auto& buffer : layer->buffers())
            all.push_back(buffer);
    return all;
}

void Sequential::setTraining(bool training)
{
    for (const auto& layer : m_layers)
        layer->setTraining(training);
}

int64_t Sequential::parameterCount() const
{
    int64_t count = 0;
    for (const Parameter* p : parameters())
        count += p->value.size();
    return count;
}

const tensor::Tensor& Sequential::forward(const tensor::Tensor& input)
{
    TS_ASSERT(!m_layers.empty());
    const tensor::Tensor* x = &input;
    for (auto& layer : m_layers)
        x = &layer->forward(*x);
    return *x;
}

const tensor::Tensor& Sequential::backward(const tensor::Tensor& outputGrad, bool needInputGrad)
{
    const tensor::Tensor* g = &outputGrad;
    for (size_t i = m_layers.size(); i-- > 0;) {
        g = &m_layers[i]->backward(*g, i > 0 || needInputGrad);
        if (m_afterBackward)
            m_afterBackward(*m_layers[i]);
    }
    if (!needInputGrad) {
        static const tensor::Tensor none;
        return none;
    }
    return *g;
}

std::string Sequential::describe() const
{
    std::string text;
    for (const auto& layer : m_layers) {
        if (!text.empty())
            text += ' ';
        text += layer->name();
        if (auto* conv = dynamic_cast<const Conv2d*>(layer.get()))
            text += '(' + std::to_string(conv->inChannels()) + "->"
                    + std::to_string(conv->outChannels()) + ", " + std::to_string(conv->kernel())
                    + 'x' + std::to_string(conv->kernel()) + ')';
        if (auto* dense = dynamic_cast<const Dense*>(layer.get()))
            text += '(' + std::to_string(dense->inFeatures()) + "->"
                    + std::to_string(dense->outFeatures()) + ')';
    }
    return text;
}

} // namespace ts::nn
