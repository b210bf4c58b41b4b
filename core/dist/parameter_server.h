// ParameterServer: one server rank's loop of a parameter-server job (DESIGN.md, Strategies), as
// ps-lite's KVServer: it holds one shard of the model's keys, applies the gradients the workers
// push and answers their pulls with its weights, under the consistency of each step's epoch
// (dist/consistency.h).
//
// Messages, on the job's data plane (dist/data_plane.h), tags in text:
//   worker -> server  "push <step> <rows>"  the gradient of the shard's keys (mean over <rows>)
//                     "pull <step>"          wants the weights to compute <step> with
//                     "done"                 trained its last step
//   server -> worker  "weights <step> <version>"  the shard's weights, at that version
// A worker pushes its steps in order, each once. The version counts the steps every worker has
// pushed (the minimum over the workers); it orders pulls and measures staleness.
//
// What "apply" means is the caller's (train/ps_server_rank.h runs the pipeline's optimizer):
// sync applies one update per step, the row-weighted mean of the workers' gradients; async and
// SSP apply every push as it comes.
//
// THREAD SAFETY: run() on one thread, which owns the data plane meanwhile.
#pragma once

#include "common/result.h"
#include "dist/consistency.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace ts::dist {

class DataPlane;

struct ServerConfig
{
    std::vector<int> workers;  // their ranks
    int64_t stepsPerEpoch = 1; // of every worker (data/batcher.h: the same for all)
    int64_t firstStep = 0;     // where every worker starts (a resumed job: its checkpoint's)
    // The steps of every worker's training, when known: a pull of the weights after the last
    // step waits for every worker in any mode, so all workers end with the same final weights,
    // which hold every update. 0 = unknown.
    int64_t lastStep = 0;
    std::vector<ConsistencyPhase> consistency { ConsistencyPhase {} };
    // A worker that has sent nothing for this long is lost: run() fails naming it. Zero = never.
    std::chrono::milliseconds workerTimeout { 0 };
    // The ranks of workers the job goes on without (an async job whose worker was lost), asked
    // about twice a second: the server stops waiting for them. Optional.
    std::function<std::vector<int>()> lostWorkers {};
};

class ParameterServer
{
public:
    // Applies `gradient` (of the shard's keys) as the update of `step` to `weights`.
    using Apply = std::function<void(std::span<const float> gradient, int64_t step,
                                     std::span<float> weights)>;
    // After every applied push: the worker, its step and the update's staleness.
    using OnApplied = std::function<void(int worker, int64_t step, int64_t staleness)>;

    ParameterServer(DataPlane& plane, ServerConfig config, std::vector<float> weights, Apply apply,
                    OnApplied onApplied = {});

    // Serves until every worker said done. InvalidInput for a malformed message or a step out of
    // order (naming the worker); Io when a worker is lost; Cancelled-like Io when `cancel` turns.
    common::Result run(const std::atomic<bool>* cancel);

    const std::vector<float>& weights() const { return m_weights; }
    int64_t version() const;
    int64_t updatesApplied() const { return m_updates; }

private:
    struct Pull
    {
        int worker = 0;
        int64_t step = 0;
    };

    common::Result handle(int peer, const std::string& tag, std::span<const float> values);
    common::Result push(size_t worker, int64_t step, int64_t rows, std::span<const float> gradient);
    common::Result answerPulls();
    bool ready(const Pull& pull) const;
    size_t indexOf(int rank) const;

    DataPlane& m_plane;
    ServerConfig m_config;
    std::vector<float> m_weights;
    Apply m_apply;
    OnApplied m_onApplied;
    std::vector<int64_t> m_pushed;        // per worker: steps pushed (= the next step it pushes)
    std::vector<int64_t> m_pulledVersion; // per worker: the version of its last pull's weights
    std::vector<bool> m_done;
    std::vector<bool> m_lost; // a lost worker no longer holds the version back
    std::vector<std::chrono::steady_clock::time_point> m_lastHeard;
    std::vector<Pull> m_pending;
    // The sync step being gathered: the row-weighted sum of the gradients pushed so far.
    std::vector<double> m_sum;
    int64_t m_sumRows = 0;
    int64_t m_updates = 0;
};

} // namespace ts::dist
