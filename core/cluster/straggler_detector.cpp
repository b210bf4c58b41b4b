#include "cluster/straggler_detector.h"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace ts::cluster {

double StragglerDetector::medianOf(std::deque<double> values)
{
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n == 0 ? 0 : n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::optional<StragglerEvent> StragglerDetector::add(int worker, const std::string& name,
                                                     int64_t step, double value)
{
    if (name != "time_data_ms" && name != "time_compute_ms")
        return std::nullopt;
    Worker& w = m_workers[worker];
    w.partial[step] += value;
    if (++w.parts[step] < 2)
        return std::nullopt;
    w.recent.push_back(w.partial[step]);
    w.partial.erase(step);
    w.parts.erase(step);
    // Points of a window that never completed (a replay, a resume) must not pile up.
    while (w.partial.size() > 2 * Window) {
        w.parts.erase(w.partial.begin()->first);
        w.partial.erase(w.partial.begin());
    }
    if (w.recent.size() > Window)
        w.recent.pop_front();
    return check(worker);
}

std::optional<StragglerEvent> StragglerDetector::check(int worker)
{
    Worker& w = m_workers[worker];
    std::deque<double> others;
    for (const auto& [id, other] : m_workers)
        if (id != worker && !other.recent.empty())
            others.push_back(medianOf(other.recent));
    if (others.empty() || w.recent.size() < Window)
        return std::nullopt;
    const double mine = medianOf(w.recent);
    const double theirs = medianOf(others);
    if (theirs <= 0)
        return std::nullopt;
    const double ratio = mine / theirs;
    if (w.flagged) {
        w.flagged = ratio >= Recovered;
        return std::nullopt;
    }
    if (ratio <= Threshold)
        return std::nullopt;
    w.flagged = true;
    char text[200];
    std::snprintf(text, sizeof text,
                  "worker %d's steps take %.1fx the others' median (%.1f ms against %.1f ms of "
                  "data and compute)",
                  worker, ratio, mine, theirs);
    return StragglerEvent { worker, ratio, mine, theirs, text };
}

} // namespace ts::cluster
