#include "nn/residual_block.h"

#include "common/assert.h"

namespace ts::nn {

using tensor::Shape;
using tensor::Tensor;

namespace {

void ensureTensor(Tensor& buffer, tensor::Backend& backend, const Shape& shape)
{
    if (buffer.empty() || buffer.shape() != shape)
        buffer = Tensor(backend, shape);
}

} // namespace

ResidualBlock::ResidualBlock(std::string name, tensor::Backend& backend,
                             std::unique_ptr<Sequential> main, std::unique_ptr<Sequential> shortcut)
    : Layer(std::move(name))
    , m_backend(backend)
    , m_main(std::move(main))
    , m_shortcut(std::move(shortcut))
{
    TS_ASSERT(m_main && !m_main->layers().empty());
    TS_ASSERT(!m_shortcut || !m_shortcut->layers().empty());
}

const Tensor& ResidualBlock::forward(const Tensor& input)
{
    const Tensor& branch = m_main->forward(input);
    const Tensor& skip = m_shortcut ? m_shortcut->forward(input) : input;
    TS_ASSERT(branch.shape() == skip.shape());
    // The branches' outputs belong to their last layers (which may need them in backward), so
    // the sum gets its own buffer; the backend has no copy op, hence zero + two axpys.
    ensureTensor(m_output, m_backend, branch.shape());
    m_backend.fill(m_output.data(), 0.0f, size_t(m_output.size()));
    m_backend.axpy(1.0f, branch, m_output);
    m_backend.axpy(1.0f, skip, m_output);
    m_backend.reluForward(m_output, m_output);
    return m_output;
}

const Tensor& ResidualBlock::backward(const Tensor& outputGrad, bool needInputGrad)
{
    TS_ASSERT(outputGrad.size() == m_output.size());
    ensureTensor(m_sumGrad, m_backend, m_output.shape());
    m_backend.reluBackward(m_output, outputGrad, m_sumGrad);
    const Tensor& mainGrad = m_main->backward(m_sumGrad, needInputGrad);
    const Tensor& skipGrad =
            m_shortcut ? m_shortcut->backward(m_sumGrad, needInputGrad) : m_sumGrad;
    if (!needInputGrad) {
        static const Tensor none;
        return none;
    }
    TS_ASSERT(mainGrad.size() == skipGrad.size());
    ensureTensor(m_inputGrad, m_backend, mainGrad.shape());
    m_backend.fill(m_inputGrad.data(), 0.0f, size_t(m_inputGrad.size()));
    m_backend.axpy(1.0f, mainGrad, m_inputGrad);
    m_backend.axpy(1.0f, skipGrad, m_inputGrad);
    return m_inputGrad;
}

std::vector<Parameter*> ResidualBlock::parameters()
{
    std::vector<Parameter*> all = m_main->parameters();
    if (m_shortcut)
        for (Parameter* p : m_shortcut->parameters())
            all.push_back(p);
    return all;
}

std::vector<std::pair<std::string, Tensor*>> ResidualBlock::buffers()
{
    auto all = m_main->buffers();
    if (m_shortcut)
        for (auto& buffer : m_shortcut->buffers())
            all.push_back(buffer);
    return all;
}

void ResidualBlock::setTraining(bool training)
{
    Layer::setTraining(training);
    m_main->setTraining(training);
    if (m_shortcut)
        m_shortcut->setTraining(training);
}

} // namespace ts::nn
