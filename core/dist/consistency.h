// The consistency modes of a parameter server (DESIGN.md, Strategies), and how a job changes
// them between epochs.
//
//  - sync (BSP): the server applies a step's update once every worker has pushed its gradient
//    for that step, and answers a pull of step c only once step c - 1 is applied: N workers
//    train like one worker with N times the batch.
//  - async (ASP): every push is applied as it comes, every pull answered at once.
//  - bounded staleness (SSP, bound s): pushes are applied as they come; a worker that is about
//    to compute step c waits until every worker has pushed its step c - s - 1, so it is never more
//    than s steps ahead of the slowest.
//
// Staleness of an applied update: the version of weights counts the steps every worker has pushed
// (the minimum over the workers), so weights of version v hold every worker's updates of the
// steps before v. The update of step c computed on weights of version v is c - v steps stale:
// sync gives 0, SSP at most s, async whatever the slowest worker's lag is.
#pragma once

#include <string>
#include <vector>

namespace ts::dist {

enum class Consistency { Sync, Async, BoundedStaleness };

struct ConsistencyPhase
{
    int fromEpoch = 0;
    Consistency mode = Consistency::Sync;
    int staleness = 0; // the bound s of BoundedStaleness
};

// "sync", "async", "ssp".
inline const char* toString(Consistency mode)
{
    switch (mode) {
    case Consistency::Sync:
        return "sync";
    case Consistency::Async:
        return "async";
    case Consistency::BoundedStaleness:
        return "ssp";
    }
    return "sync";
}

// The phase in force during `epoch`: the last one whose fromEpoch <= epoch (phases are sorted,
// the first from epoch 0); sync when there are none.
inline ConsistencyPhase phaseAt(const std::vector<ConsistencyPhase>& phases, int epoch)
{
    ConsistencyPhase current;
    for (const ConsistencyPhase& phase : phases)
        if (phase.fromEpoch <= epoch)
            current = phase;
    return current;
}

} // namespace ts::dist
