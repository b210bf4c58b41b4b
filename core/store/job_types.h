// The jobs of the experiment store (schema v6): what the coordinator's queue holds and what
// `trainstudio-cli jobs list|logs` shows. A job is a pipeline submitted to run on an agent; it
// trains one run, which keeps its id across the job's attempts (a resumed attempt continues the
// same run, so its charts continue too).
//
// States (DESIGN.md, A run step by step):
//
//     queued ──> running ──> finished | failed | cancelled
//        ^          │
//        │          v
//        └────── paused    (its agent was lost; it waits for an agent to resume it from its
//                           last checkpoint, or from the start when it has none)
//
// Priorities: a higher number runs first; equal priorities run in submission order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ts::store {

enum class JobState { Queued, Running, Paused, Finished, Failed, Cancelled };

// "queued", "running", "paused", "finished", "failed", "cancelled": the stored spelling.
std::string toString(JobState state);
std::optional<JobState> jobStateFromString(const std::string& text);
// Finished, failed and cancelled jobs never run again.
inline bool isEnded(JobState state)
{
    return state == JobState::Finished || state == JobState::Failed || state == JobState::Cancelled;
}

struct NewJob
{
    std::string experiment;
    std::string name;
    std::string pipelineJson; // the pipeline as submitted (validated by the submitter)
    std::string baseDir;      // the folder its relative data paths are resolved against
    int priority = 0;
    int64_t checkpointEvery = 0; // steps between checkpoints; 0 = none (a lost job starts over)
    int ranks = 1;               // processes it runs as, each on a device of its own
};

// Where one rank of a job's current attempt runs.
struct RankPlacement
{
    std::string agent;
    std::string device; // "cpu", "cuda:1"
    // Its data-plane socket once it reported it; "" before, and "" again (with `ended`) when the
    // rank was lost and the job went on without it (an async parameter-server worker).
    std::string endpoint;
    bool ended = false; // it recorded the end of its run, or was lost
};

struct JobRecord : NewJob
{
    int64_t id = 0;
    int64_t run = 0; // 0 until the coordinator first starts it
    JobState state = JobState::Queued;
    int attempt = 0;                      // 1 for the first start, +1 for every resume or restart
    std::string agent;                    // the agent running rank 0 (or that last ran it)
    std::string device;                   // what rank 0 runs on there: "cpu", "cuda:1"
    std::vector<RankPlacement> placement; // every rank of the current attempt
    int64_t checkpointStep = -1;          // the global step of its last checkpoint; -1 = none
    double submittedAt = 0;               // Unix seconds
    double startedAt = 0;                 // of the current attempt; 0 = never
    double finishedAt = 0;                // 0 = not ended
    std::string message;                  // why it failed, or what it waits for
    bool cancelRequested = false;
};

// One line a job's rank printed (or its agent said of it), in order per attempt.
struct JobLogLine
{
    int64_t id = 0; // assigned by the store, ascending: `jobs logs --follow` polls after it
    int64_t job = 0;
    int attempt = 0;
    int64_t line = 0; // numbered by the agent per attempt: a replayed line is stored once
    double time = 0;
    int level = 1; // 0 debug, 1 info, 2 warning, 3 error
    std::string text;
};

} // namespace ts::store
