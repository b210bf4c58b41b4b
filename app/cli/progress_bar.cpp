#include "progress_bar.h"

#include <unistd.h> // for isatty

#include <cmath>
#include <cstdio>

namespace ts::cli {

ProgressBar::ProgressBar()
    : m_interactive(isatty(STDERR_FILENO) == 1)
{}

std::string ProgressBar::formatDuration(double seconds)
{
    const auto total = static_cast<long>(std::lround(std::max(0.0, seconds)));
    char text[32];
    if (total >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60,
                      total % 60);
    else
        std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
    return text;
}

std::string ProgressBar::formatRate(double perSecond)
{
    // Thousands separated by commas: "48,213".
    std::string digits = std::to_string(static_cast<long long>(std::llround(perSecond)));
    for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3)
        digits.insert(static_cast<size_t>(i), ",");
    return digits;
}

void ProgressBar::update(const train::Progress& p)
{
    const double total = double(p.stepsPerEpoch) * p.epochs;
    const double fraction = total > 0 ? double(p.step) / total : 1.0;
    if (!m_interactive) {
        const int decile = static_cast<int>(fraction * 10);
        if (decile == m_lastDecile)
            return;
        m_lastDecile = decile;
    }
    constexpr int Width = 30;
    const int filled = static_cast<int>(fraction * Width);
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(Width, '.');
    if (p.trees) // a random forest: trees grown, rows through them per second
        std::fprintf(stderr, "%stree %lld/%lld [%s] %3d%%  %s rows/s  ETA %s%s",
                     m_interactive ? "\r" : "", static_cast<long long>(p.step),
                     static_cast<long long>(p.stepsPerEpoch), bar.c_str(),
                     static_cast<int>(fraction * 100), formatRate(p.samplesPerSecond).c_str(),
                     formatDuration(p.etaSeconds).c_str(), m_interactive ? "  " : "\n");
    else
        std::fprintf(stderr, "%sepoch %d/%d [%s] %3d%%  loss %.4f  %s samples/s  ETA %s%s",
                     m_interactive ? "\r" : "", p.epoch + 1, p.epochs, bar.c_str(),
                     static_cast<int>(fraction * 100), p.loss,
                     formatRate(p.samplesPerSecond).c_str(), formatDuration(p.etaSeconds).c_str(),
                     m_interactive ? "  " : "\n");
    std::fflush(stderr);
    m_drawn = true;
}

void ProgressBar::finish()
{
    if (m_interactive && m_drawn)
        std::fputc('\n', stderr);
    m_drawn = false;
}

} // namespace ts::cli
