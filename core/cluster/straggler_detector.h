// StragglerDetector: flags the workers of a data-parallel run whose own step time -- data plus
// compute, the "time_data_ms" and "time_compute_ms" points of train/trainer.h, not the time spent
// waiting on the others, which a straggler makes everyone's -- is more than twice the median of
// the other workers', as a "straggler" event of the run's timeline (DESIGN.md, a run step by
// step). The coordinator feeds it every metric point of a job's ranks.
//
// A worker's step time is the median of its last Window windows; it is flagged once, and again
// only after it came back under 1.5x (so a slow worker is one event, not one per window).
//
// THREAD SAFETY: one thread (the coordinator's).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace ts::cluster {

struct StragglerEvent
{
    int worker = 0;
    double ratio = 0;    // its step time over the others' median
    double stepMs = 0;   // its median step time
    double othersMs = 0; // the median of the others'
    std::string message; // "worker 3's steps take 2.4x the others' median (41 ms against 17 ms)"
};

class StragglerDetector
{
public:
    static constexpr size_t Window = 5;
    static constexpr double Threshold = 2.0;
    static constexpr double Recovered = 1.5;

    // One metric point of `worker`; an event when it makes the worker a straggler.
    std::optional<StragglerEvent> add(int worker, const std::string& name, int64_t step,
                                      double value);

private:
    struct Worker
    {
        std::map<int64_t, double> partial; // step -> data or compute time until both came
        std::map<int64_t, int> parts;
        std::deque<double> recent; // own step times of the last windows
        bool flagged = false;
    };
    std::optional<StragglerEvent> check(int worker);
    static double medianOf(std::deque<double> values);

    std::map<int, Worker> m_workers;
};

} // namespace ts::cluster
