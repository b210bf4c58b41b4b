// ExperimentStore: the SQLite file that remembers every run, its parameters and its metrics.
//
// One file per user (defaultPath(): $XDG_DATA_HOME/trainstudio/store.sqlite), in WAL mode so the
// studio reads while a training run writes. The schema is versioned with PRAGMA user_version;
// open() upgrades an older file step by step inside one transaction and refuses a file newer than
// this program knows, without modifying it.
//
// Tables: experiments, runs, params, metrics (v1), confusion_matrices (v2), feature_stats and
// label_counts (v3: the data statistics of each run, the drift reference), fitted_preps (v4: the
// fitted preprocessing of each run, data/fitted_prep.h), workers, events, staleness, artifacts,
// agents, deployments and drift_reports (v5: distributed runs and deployment; runs gained
// `strategy`), jobs and job_logs (v6: the coordinator's queue). A metric point is keyed by (run,
// name, worker, step): appending a point that is already stored is a no-op, so a replayed batch
// never duplicates rows.
//
// FAILURE: every mutating call runs in its own transaction; when it fails nothing of it is stored
// and the returned Error names the store file and what SQLite said.
//
// THREAD SAFETY: an ExperimentStore object is used by one thread at a time. Several objects
// (threads or processes) may open the same file; SQLite serialises writers and WAL lets readers
// proceed while one writes.
#pragma once

#include "common/result.h"
#include "data/feature_stats.h" // for DatasetStats
#include "store/job_types.h"

#include <climits>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ts::store {

enum class RunStatus { Running, Finished, Failed, Cancelled };

// "running", "finished", "failed", "cancelled": the spelling stored in the file and shown to users.
std::string toString(RunStatus status);

struct MetricPoint
{
    int64_t run = 0;
    std::string name; // "train_loss", "test_accuracy", "samples_per_second", ...
    int worker = 0;   // rank that produced it; 0 for single-process runs
    int64_t step = 0; // optimizer step (or epoch for per-epoch metrics)
    double value = 0;
    double wallTime = 0; // seconds since the Unix epoch
};

struct NewRun
{
    std::string experiment; // created on first use
    std::string name;
    std::string pipelineJson; // the pipeline as given, for reproducibility
    std::string backend;      // the compute backend that ran it
    std::vector<std::pair<std::string, std::string>> params;
};

// The confusion matrix of one evaluation: counts[actual * classes + predicted].
struct ConfusionMatrix
{
    int64_t step = 0;
    int64_t classes = 0;
    std::vector<int64_t> counts;
};

struct RunSummary
{
    int64_t id = 0;
    std::string experiment;
    std::string name;
    RunStatus status = RunStatus::Running;
    std::string backend;
    double createdAt = 0;  // Unix seconds
    double finishedAt = 0; // 0 while running
    std::string error;     // why it failed, when it did
    // The last value (highest step, worker 0) of every metric of the run.
    std::map<std::string, double> finalMetrics;
};

// A chart's request for one metric of one run: the points of `workers` (empty = every worker)
// with step in [firstStep, lastStep], at most `maxPoints` per worker (LTTB-downsampled, lttb.h;
// 0 = every point). A chart asks for its pixel width over the visible range and gets full detail
// once zoomed in far enough.
struct SeriesRequest
{
    int64_t run = 0;
    std::string name;
    std::vector<int> workers;
    int64_t firstStep = INT64_MIN;
    int64_t lastStep = INT64_MAX;
    size_t maxPoints = 0;
};

// The points of one worker, by step; `storedPoints` counts those in the range before
// downsampling.
struct Series
{
    int worker = 0;
    std::vector<MetricPoint> points;
    int64_t storedPoints = 0;
};

// One worker's step times (ExperimentStore::stepTimes), in milliseconds.
struct WorkerStepTimes
{
    int worker = 0;
    int64_t windows = 0; // log windows measured
    double p50 = 0, p90 = 0, p99 = 0;
    // The medians of the parts: its own work and its waiting on the others.
    double dataP50 = 0, computeP50 = 0, commP50 = 0;
};

// Something that happened to a run, for the timeline: "worker 2 lost", "resumed from step 400",
// "straggler: worker 3 is 2.4x slower than the median".
struct RunEvent
{
    int64_t id = 0; // assigned by the store, ascending
    int64_t run = 0;
    double time = 0;  // Unix seconds
    std::string kind; // "started", "worker_lost", "resumed", "straggler", ...
    int worker = -1;  // the worker it concerns, -1 for the whole run
    std::string message;
};

// A rank of a distributed run: where it ran.
struct WorkerInfo
{
    int rank = 0;
    std::string agent;  // the agent that ran it ("" for the local process)
    std::string device; // "cpu", "cuda:0", ...
    std::string host;
};

// How stale the updates a parameter server applied were: counts[s] updates of staleness s
// (the step of the update minus the version of the weights it was computed on,
// dist/consistency.h), per worker.
struct StalenessHistogram
{
    std::map<int, std::vector<int64_t>> counts; // worker -> counts by staleness
};

// Filters and orders runs by any parameter or final metric. A key is "param:<name>",
// "metric:<name>" or one of the run's own fields: "id", "name", "experiment", "status",
// "created_at". Values compare as numbers when both sides are numbers, else as text (Contains
// always as text, case-sensitive). In an order, numbers come before text; a NaN final metric
// counts as missing.
struct RunCondition
{
    enum class Op { Equal, NotEqual, Less, LessEqual, Greater, GreaterEqual, Contains };
    std::string key;
    Op op = Op::Equal;
    std::string value;
};

struct RunQuery
{
    std::vector<RunCondition> where; // all must hold; a run without the key fails the condition
    std::string orderBy = "id";      // a key as above; runs without it sort last
    bool descending = true;
    size_t limit = 0; // 0 = every run
};

// An agent the coordinator trusts: `trainstudio-cli agents add` / the studio's "add agent".
struct AgentRecord
{
    std::string name;
    std::string address;   // "tcp://gpu-box:7150" or the host it connects from
    std::string publicKey; // Z85, 40 characters: on the coordinator's allow-list
    double addedAt = 0;    // Unix seconds
    double lastSeen = 0;   // 0 = never
};

struct RunDetails : RunSummary
{
    std::string pipelineJson;
    std::vector<std::pair<std::string, std::string>> params;
    std::vector<std::string> metricNames;
};

class ExperimentStore
{
public:
    static constexpr int SchemaVersion = 6;

    // $XDG_DATA_HOME/trainstudio/store.sqlite, or ~/.local/share/trainstudio/store.sqlite.
    static std::string defaultPath();

    // Opens (creating the file and its folder if needed) and migrates the store at `path`.
    static common::Expected<std::unique_ptr<ExperimentStore>> open(const std::string& path);
    // Opens an existing store for reading only (the studio's charts): it never writes, never
    // migrates (an older schema is refused with a message naming both versions), and in WAL mode
    // it never blocks a writer nor waits for one.
    static common::Expected<std::unique_ptr<ExperimentStore>> openReadOnly(const std::string& path);

    ~ExperimentStore();
    ExperimentStore(const ExperimentStore&) = delete;
    ExperimentStore& operator=(const ExperimentStore&) = delete;

    const std::string& path() const;
    // The user_version of the open file (SchemaVersion after a successful open).
    int schemaVersion() const;

    // Creates an experiment row if needed and a run in state Running; returns the run id.
    common::Expected<int64_t> createRun(const NewRun& run);
    // Stores points in one transaction; points already stored are skipped.
    common::Result appendMetrics(std::span<const MetricPoint> points);
    // Sets the final status (and the error text for a failed run) with synchronous=FULL.
    common::Result finishRun(int64_t run, RunStatus status, const std::string& error = {});
    // Sets a run that did not finish back to Running (no finish time, no error) for a resumed
    // run, with synchronous=FULL. NotFound when there is no run `run`; InvalidInput when it
    // finished, and then nothing changes.
    common::Result reopenRun(int64_t run);

    // Stores the confusion matrix of the evaluation at `step` (replacing one stored there).
    // `counts` holds classes * classes cells, row = actual class.
    common::Result saveConfusionMatrix(int64_t run, int64_t step, int64_t classes,
                                       std::span<const int64_t> counts);
    // The matrix of the run's latest evaluation; an empty matrix (classes 0) when it has none.
    common::Expected<ConfusionMatrix> latestConfusionMatrix(int64_t run);

    // Stores the statistics of the `split` ("train" or "test") of run `run`, replacing any stored
    // there, in one transaction.
    common::Result saveDatasetStats(int64_t run, const std::string& split,
                                    const data::DatasetStats& stats);
    // The statistics saveDatasetStats stored; ErrorKind::NotFound when there are none (runs
    // stored before schema version 3, or an unknown run).
    common::Expected<data::DatasetStats> datasetStats(int64_t run, const std::string& split);

    // Stores the fitted preprocessing of run `run` (FittedPrep::toJson), replacing any stored.
    common::Result saveFittedPrep(int64_t run, const std::string& json);
    // The document saveFittedPrep stored; ErrorKind::NotFound when there is none (runs stored
    // before schema version 4, or an unknown run).
    common::Expected<std::string> fittedPrep(int64_t run);

    // The agents the coordinator trusts (agent_records.cpp). addAgent refuses (InvalidInput) a
    // name or key already there and a key that is not 40 Z85 characters; removeAgent is NotFound
    // for an unknown name.
    common::Result addAgent(const AgentRecord& agent);
    common::Result removeAgent(const std::string& name);
    common::Expected<std::vector<AgentRecord>> agents();

    // Jobs (job_records.cpp, store/job_types.h). submitJob queues a job and returns its id;
    // saveJob writes the coordinator's changes to a job (state, attempt, agent, run, checkpoint
    // step, times, message) with synchronous=FULL; requestCancel marks a job to be cancelled
    // (NotFound for an unknown job, InvalidInput for one that ended). jobs() lists every job,
    // newest first, or only those not ended.
    common::Expected<int64_t> submitJob(const NewJob& job);
    common::Result saveJob(const JobRecord& job);
    common::Result requestCancel(int64_t job);
    common::Expected<JobRecord> job(int64_t id);
    common::Expected<std::vector<JobRecord>> jobs(bool activeOnly = false);
    // A log line of a job; one already stored (same job, attempt and line) is skipped.
    common::Result appendJobLog(const JobLogLine& line);
    // The lines of `job` with id > afterId, in order.
    common::Expected<std::vector<JobLogLine>> jobLogs(int64_t job, int64_t afterId = 0);
    // Replaces the backend and parameters of `run`: a run a coordinator created for a job is
    // described by its rank once the rank has read the data and built the model.
    common::Result describeRun(int64_t run, const std::string& backend,
                               const std::vector<std::pair<std::string, std::string>>& params);
    // Every run, newest first.
    common::Expected<std::vector<RunSummary>> listRuns();
    // One run; ErrorKind::NotFound when there is no run `run`.
    common::Expected<RunDetails> runDetails(int64_t run);
    // The points of one metric of one run and worker, by step.
    common::Expected<std::vector<MetricPoint>> metricSeries(int64_t run, const std::string& name,
                                                            int worker = 0);

    // Charts (metric_queries.cpp). One Series per worker that has points in the range, by worker.
    common::Expected<std::vector<Series>> series(const SeriesRequest& request);
    // Per-worker throughput: series() of "samples_per_second" over every worker.
    common::Expected<std::vector<Series>> throughput(int64_t run, int64_t firstStep,
                                                     int64_t lastStep, size_t maxPoints);
    // The straggler view: per worker, percentiles of its step time over the run's log windows
    // (the sum of its "time_data_ms", "time_compute_ms" and "time_comm_ms" points), by worker.
    common::Expected<std::vector<WorkerStepTimes>> stepTimes(int64_t run);

    // The runs table (run_queries.cpp): runs with their params and final metrics, filtered and
    // ordered (pipelineJson and metricNames stay empty; runDetails() has them). InvalidInput
    // naming the key when a key is not of a known form.
    common::Expected<std::vector<RunDetails>> findRuns(const RunQuery& query);

    // Events, workers and staleness of distributed runs (run_records.cpp).
    common::Expected<int64_t> addEvent(const RunEvent& event); // returns the event id
    // The events of `run` with id > afterId, in order (a timeline polls with the last id seen).
    common::Expected<std::vector<RunEvent>> events(int64_t run, int64_t afterId = 0);
    common::Result registerWorker(int64_t run, const WorkerInfo& worker); // replaces the rank's
    common::Expected<std::vector<WorkerInfo>> workers(int64_t run);
    // Adds the staleness of applied updates of `worker` to the run's histogram, in one
    // transaction (counts accumulate across calls). InvalidInput for a negative staleness, and
    // then nothing is added.
    common::Result recordStaleness(int64_t run, int worker, std::span<const int64_t> staleness);
    common::Expected<StalenessHistogram> stalenessHistogram(int64_t run);

private:
    struct Private;
    explicit ExperimentStore(std::unique_ptr<Private> d);
    std::unique_ptr<Private> d;
};

} // namespace ts::store
