// A one-line progress bar on stderr: epoch, bar, percentage, loss, samples/s and ETA.
// On a terminal it redraws in place; otherwise (CI logs, pipes) it prints a line every 10%.
#pragma once

#include "train/metric_sink.h"

#include <string>

namespace ts::cli {

class ProgressBar
{
public:
    ProgressBar();
    void update(const train::Progress& progress);
    // Ends the line of an in-place bar.
    void finish();

    static std::string formatDuration(double seconds);
    static std::string formatRate(double perSecond);

private:
    bool m_interactive;
    bool m_drawn = false;
    int m_lastDecile = -1;
};

} // namespace ts::cli
