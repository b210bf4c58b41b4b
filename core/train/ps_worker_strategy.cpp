#include "train/ps_worker_strategy.h"

#include "dist/data_plane.h"
#include "dist/ps_client.h"
#include "nn/sequential.h"

#include <optional>

namespace ts::train {

using common::Result;
using Clock = std::chrono::steady_clock;

struct PsWorkerStrategy::Private
{
    dist::DataPlane& plane;
    std::vector<int> servers;
    std::chrono::milliseconds timeout;
    std::optional<dist::PsClient> client {};
    std::vector<nn::Parameter*> parameters {};
    std::vector<float> weights {};  // every key, in parameter order
    std::vector<float> gradient {}; // every key
    double communication = 0;
    int64_t version = 0;
    bool begun = false;

    // Receives the weights of `ticket` and copies them into the model.
    Result receive(const dist::PsClient::Ticket& ticket)
    {
        auto version = client->wait(ticket, weights);
        TS_TRY(version);
        this->version = *version;
        size_t offset = 0;
        for (nn::Parameter* p : parameters) {
            p->value.upload({ weights.data() + offset, size_t(p->value.size()) });
            offset += size_t(p->value.size());
        }
        return {};
    }
};

PsWorkerStrategy::PsWorkerStrategy(dist::DataPlane& plane, std::vector<int> serverRanks,
                                   std::chrono::milliseconds timeout)
    : d(std::make_unique<Private>(Private { plane, std::move(serverRanks), timeout }))
{}

PsWorkerStrategy::~PsWorkerStrategy() = default;

double PsWorkerStrategy::communicationSeconds() const
{
    return d->communication;
}

int64_t PsWorkerStrategy::lastVersion() const
{
    return d->version;
}

Result PsWorkerStrategy::begin(nn::Sequential& model, nn::Optimizer&, int64_t firstStep)
{
    d->parameters = model.parameters();
    std::vector<size_t> sizes;
    for (const nn::Parameter* p : d->parameters)
        sizes.push_back(size_t(p->value.size()));
    auto ranges = dist::partitionKeys(sizes, d->servers);
    TS_TRY(ranges);
    d->client.emplace(d->plane, std::move(*ranges), d->timeout);
    size_t keys = 0;
    for (size_t s : sizes)
        keys += s;
    d->weights.assign(keys, 0.0f);
    d->gradient.assign(keys, 0.0f);
    d->begun = true;
    // Every worker starts from the servers' weights (a resumed job's included).
    const auto started = Clock::now();
    Result received = d->receive(d->client->pull(firstStep));
    d->communication += std::chrono::duration<double>(Clock::now() - started).count();
    return received;
}

Result PsWorkerStrategy::update(const StepInfo& step, const std::function<void()>&)
{
    size_t offset = 0;
    for (const nn::Parameter* p : d->parameters) {
        p->grad.backend().download(d->gradient.data() + offset, p->grad.data(),
                                   size_t(p->grad.size()));
        offset += size_t(p->grad.size());
    }
    const auto started = Clock::now();
    TS_TRY(d->client->push(step.step, step.rows, d->gradient));
    Result received = d->receive(d->client->pull(step.step + 1));
    d->communication += std::chrono::duration<double>(Clock::now() - started).count();
    return received;
}

Result PsWorkerStrategy::end()
{
    if (!d->begun)
        return {};
    d->begun = false;
    return d->client->done();
}

} // namespace ts::train
