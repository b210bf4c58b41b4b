// The process of one rank of a job: `trainstudio-agent --rank-dir DIR --spool FILE` started by
// the agent's JobRunner (agent/job_runner.h), never by a user. DIR holds what the coordinator
// assigned (assign.pb: a wire::Assign; resume.tsckpt: the checkpoint to continue from); the rank
// checks the pipeline's files against the agent's data roots, trains through
// train::runPipelineWith, and records everything into the agent's spool (agent/rank_recorder.h).
// Its own checkpoints go to DIR/checkpoint.tsckpt. A crash of the rank never takes the agent
// down: the agent sees the exit and records it.
#pragma once

#include <atomic>
#include <string>
#include <vector>

namespace ts::agent {

struct RankProcessOptions
{
    std::string rankDir;
    std::string spoolPath;
    std::vector<std::string> dataRoots;
};

// The exit code of the rank process: 0 when the run finished or was cancelled, 1 when it failed
// (the reason is in the spool), 2 when the assignment could not be read.
int runRankProcess(const RankProcessOptions& options, const std::atomic<bool>& cancel);

} // namespace ts::agent
