// The process of one rank of a job: `trainstudio-agent --rank-dir DIR --spool FILE` started by
// the agent's JobRunner (agent/job_runner.h), never by a user. DIR holds what the coordinator
// assigned (assign.pb: a wire::Assign; resume.tsckpt: the checkpoint to continue from); the rank
// reads the copies of data files the agent cached from the coordinator where the assignment names
// them, and checks every other file of the pipeline against the agent's data roots; a rank of a
// job of several binds its data-plane socket (dist/data_plane.h), reports it, waits for the
// rendezvous table (DIR/rendezvous.pb, written by the agent), says hello to every peer, and takes
// its role in the job's strategy (a data-parallel worker's part of every global batch, a
// parameter server's keys, a share of a forest's trees, a pipeline stage); it then trains through
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
    std::string dataPlaneHost; // the address peers reach this rank's data-plane socket at
};

// The exit code of the rank process: 0 when the run finished or was cancelled, 1 when it failed
// (the reason is in the spool), 2 when the assignment could not be read.
int runRankProcess(const RankProcessOptions& options, const std::atomic<bool>& cancel);

} // namespace ts::agent
