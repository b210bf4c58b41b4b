#include "dist/parameter_server.h"

#include "dist/data_plane.h"

#include <algorithm>
#include <sstream>

namespace ts::dist {

using common::Error;
using common::ErrorKind;
using common::Result;
using Clock = std::chrono::steady_clock;

ParameterServer::ParameterServer(DataPlane& plane, ServerConfig config, std::vector<float> weights,
                                 Apply apply, OnApplied onApplied)
    : m_plane(plane)
    , m_config(std::move(config))
    , m_weights(std::move(weights))
    , m_apply(std::move(apply))
    , m_onApplied(std::move(onApplied))
    , m_pushed(m_config.workers.size(), m_config.firstStep)
    , m_pulledVersion(m_config.workers.size(), m_config.firstStep)
    , m_done(m_config.workers.size(), false)
    , m_lost(m_config.workers.size(), false)
    , m_lastHeard(m_config.workers.size(), Clock::now())
{}

int64_t ParameterServer::version() const
{
    int64_t oldest = INT64_MAX;
    for (size_t w = 0; w < m_pushed.size(); ++w)
        if (!m_lost[w])
            oldest = std::min(oldest, m_pushed[w]);
    return oldest == INT64_MAX ? 0 : oldest;
}

size_t ParameterServer::indexOf(int rank) const
{
    const auto found = std::find(m_config.workers.begin(), m_config.workers.end(), rank);
    return size_t(found - m_config.workers.begin());
}

Result ParameterServer::run(const std::atomic<bool>* cancel)
{
    const std::string self = "parameter server (rank " + std::to_string(m_plane.rank()) + ")";
    auto lastAsked = Clock::now();
    for (;;) {
        if (m_config.lostWorkers && Clock::now() - lastAsked > std::chrono::milliseconds(500)) {
            lastAsked = Clock::now();
            for (int rank : m_config.lostWorkers()) {
                const size_t w = indexOf(rank);
                if (w < m_lost.size() && !m_lost[w]) {
                    m_lost[w] = m_done[w] = true;
                    TS_TRY(answerPulls()); // the others may have waited for it
                }
            }
        }
        if (std::all_of(m_done.begin(), m_done.end(), [](bool d) { return d; }))
            return {};
        if (cancel && *cancel)
            return Error(ErrorKind::Io, self + ": cancelled");
        auto received = m_plane.receiveAny(std::chrono::milliseconds(100));
        TS_TRY(received);
        if (*received) {
            DataPlane::Tensor& tensor = **received;
            if (Result handled = handle(tensor.peer, tensor.tag, tensor.values); !handled)
                return std::move(handled).error().wrap(self);
        }
        if (m_config.workerTimeout.count() > 0)
            for (size_t w = 0; w < m_done.size(); ++w)
                if (!m_done[w] && Clock::now() - m_lastHeard[w] > m_config.workerTimeout)
                    return Error(ErrorKind::Io,
                                 self + ": nothing from worker rank "
                                         + std::to_string(m_config.workers[w]) + " for "
                                         + std::to_string(m_config.workerTimeout.count())
                                         + " ms; it is lost");
    }
}

Result ParameterServer::handle(int peer, const std::string& tag, std::span<const float> values)
{
    const size_t w = indexOf(peer);
    if (w == m_config.workers.size())
        return Error(ErrorKind::InvalidInput,
                     "a '" + tag + "' from rank " + std::to_string(peer) + ", which is no worker");
    m_lastHeard[w] = Clock::now();
    std::istringstream words(tag);
    std::string kind;
    int64_t step = -1, rows = -1;
    words >> kind;
    const auto malformed = [&] {
        return Error(ErrorKind::InvalidInput,
                     "worker rank " + std::to_string(peer) + " sent a malformed '" + tag + "'");
    };
    if (kind == "done") {
        m_done[w] = true;
        return answerPulls();
    }
    if (kind == "pull") {
        if (!(words >> step) || step < 0)
            return malformed();
        m_pending.push_back({ int(w), step });
        return answerPulls();
    }
    if (kind == "push") {
        if (!(words >> step >> rows) || rows <= 0)
            return malformed();
        TS_TRY(push(w, step, rows, values));
        return answerPulls();
    }
    return malformed();
}

Result ParameterServer::push(size_t w, int64_t step, int64_t rows, std::span<const float> gradient)
{
    const std::string worker = "worker rank " + std::to_string(m_config.workers[w]);
    if (step != m_pushed[w])
        return Error(ErrorKind::InvalidInput,
                     worker + " pushed step " + std::to_string(step) + ", expected step "
                             + std::to_string(m_pushed[w]));
    if (gradient.size() != m_weights.size())
        return Error(ErrorKind::InvalidInput,
                     worker + " pushed " + std::to_string(gradient.size())
                             + " values; the server holds " + std::to_string(m_weights.size())
                             + " keys");
    // The update of `step` was computed on weights of version m_pulledVersion[w].
    const int64_t staleness = step - m_pulledVersion[w];
    const ConsistencyPhase phase =
            phaseAt(m_config.consistency, int(step / std::max<int64_t>(m_config.stepsPerEpoch, 1)));
    // One worker's sync step is its own push: no mean to gather.
    if (phase.mode != Consistency::Sync || m_config.workers.size() == 1) {
        m_apply(gradient, step, m_weights);
        ++m_pushed[w];
        ++m_updates;
    } else {
        // Gather the step's gradients; the last worker's push applies their row-weighted mean.
        if (m_sum.empty())
            m_sum.assign(m_weights.size(), 0.0);
        for (size_t i = 0; i < gradient.size(); ++i)
            m_sum[i] += double(gradient[i]) * double(rows);
        m_sumRows += rows;
        ++m_pushed[w];
        if (version() == step + 1) {
            std::vector<float> mean(m_sum.size());
            for (size_t i = 0; i < mean.size(); ++i)
                mean[i] = float(m_sum[i] / double(m_sumRows));
            m_apply(mean, step, m_weights);
            m_sum.clear();
            m_sumRows = 0;
            ++m_updates;
        }
    }
    if (m_onApplied)
        m_onApplied(m_config.workers[w], step, staleness);
    return {};
}

bool ParameterServer::ready(const Pull& pull) const
{
    if (m_config.lastStep > 0 && pull.step >= m_config.lastStep)
        return version() >= pull.step;
    const ConsistencyPhase phase = phaseAt(
            m_config.consistency, int(pull.step / std::max<int64_t>(m_config.stepsPerEpoch, 1)));
    switch (phase.mode) {
    case Consistency::Sync:
        return version() >= pull.step;
    case Consistency::BoundedStaleness:
        return version() >= pull.step - phase.staleness;
    case Consistency::Async:
        return true;
    }
    return true;
}

Result ParameterServer::answerPulls()
{
    for (auto pull = m_pending.begin(); pull != m_pending.end();) {
        if (!ready(*pull)) {
            ++pull;
            continue;
        }
        const int64_t now = version();
        m_pulledVersion[size_t(pull->worker)] = now;
        TS_TRY(m_plane.send(m_config.workers[size_t(pull->worker)],
                            "weights " + std::to_string(pull->step) + " " + std::to_string(now),
                            m_weights));
        pull = m_pending.erase(pull);
    }
    return {};
}

} // namespace ts::dist
