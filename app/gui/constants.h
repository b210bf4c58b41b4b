// Constants of the studio: metric names written by training runs, timings and sizes.
#pragma once

namespace ts::gui::Constants {

// Metric names as training runs store them.
inline constexpr char MetricTrainLoss[] = "train_loss";       // per logged step, worker 0
inline constexpr char MetricTestAccuracy[] = "test_accuracy"; // one point per epoch, 0..1
inline constexpr char MetricTestLoss[] = "test_loss";         // one point per epoch

// How often the window re-reads the store, so live runs grow while they train.
inline constexpr int RefreshIntervalMs = 2000;
// How long --grab waits after the window is shown, so layouts and charts have settled.
inline constexpr int GrabDelayMs = 500;

inline constexpr int WindowWidth = 1100;
inline constexpr int WindowHeight = 720;
inline constexpr int AccuracyMarkerSize = 8;

// The translations embedded in ts_studio: ":/i18n/trainstudio_<lang>.qm".
inline constexpr char TranslationsPath[] = ":/i18n";
inline constexpr char TranslationsPrefix[] = "trainstudio";

} // namespace ts::gui::Constants
