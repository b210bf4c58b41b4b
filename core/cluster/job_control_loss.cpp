// JobControl::goOnWithout: the one loss a job survives without stopping. In an asynchronous
// parameter-server job no worker waits for another, so the job goes on with the workers left,
// as ps-lite's asynchronous jobs do; every other lost rank pauses the job, which resumes as a
// whole from its last checkpoint (job_control.cpp).
#include "cluster/job_control.h"
#include "cluster/job_control_private.h"
#include "pipeline/pipeline_parser.h"

namespace ts::cluster {

using store::JobRecord;

bool JobControl::goOnWithout(JobRecord& job, size_t rank, const std::string& why)
{
    auto workers = m_asyncWorkers.find(job.id);
    if (workers == m_asyncWorkers.end()) {
        int asyncWorkers = 0;
        auto spec = pipeline::parsePipeline(job.pipelineJson, jobName(job), job.baseDir);
        if (spec && spec->train.strategy.kind == pipeline::StrategySpec::Kind::ParameterServer) {
            bool async = true;
            for (const dist::ConsistencyPhase& phase : spec->train.strategy.consistency)
                async = async && phase.mode == dist::Consistency::Async;
            if (async)
                asyncWorkers = int(job.placement.size()) - spec->train.strategy.servers;
        }
        workers = m_asyncWorkers.emplace(job.id, asyncWorkers).first;
    }
    if (rank >= size_t(workers->second) || job.placement[rank].ended)
        return false;
    int left = 0;
    for (int w = 0; w < workers->second; ++w)
        left += w != int(rank) && !job.placement[size_t(w)].ended;
    if (left == 0)
        return false;
    job.placement[rank].ended = true;
    job.placement[rank].endpoint.clear(); // lost, not finished (store/job_types.h)
    const std::string message = "worker " + std::to_string(rank) + " lost (" + why
            + "); the asynchronous job goes on with " + std::to_string(left) + " of "
            + std::to_string(workers->second) + " workers";
    if (auto saved = m_store->saveJob(job); !saved)
        note(saved.error().message());
    (void)m_store->addEvent({ 0, job.run, unixNow(), "worker_lost", int(rank), message });
    note(jobName(job) + ": " + message);
    sendRendezvous(job); // with the lost ranks: the servers stop waiting for this worker
    return true;
}

} // namespace ts::cluster
