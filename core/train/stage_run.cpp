// trainStage (train/prepared_pipeline.h): the run of one stage of a pipeline-parallel job.
#include "dist/data_plane.h"
#include "train/pipeline_stage.h"
#include "train/prepared_pipeline.h"
#include "train/recorder_sink.h"

namespace ts::train::detail {

common::Expected<RunOutcome> trainStage(const pipeline::PipelineSpec& spec, Prepared& p,
                                        RunRecorder& recorder, const RunOptions& options,
                                        RunListener* listener,
                                        std::chrono::steady_clock::time_point wallStart)
{
    const RunStart& start = p.start;
    const std::string runName = "run " + std::to_string(start.runId);
    RecorderSink sink(recorder, start.runId, options.worker, listener, options.cancel);
    const auto fail = [&](common::Error error) -> common::Expected<RunOutcome> {
        error = std::move(error).wrap(runName);
        (void)recorder.finishRun(start.runId, store::RunStatus::Failed, error.message());
        return error;
    };
    auto firsts = balanceStages(*p.model, options.plane->worldSize());
    if (!firsts)
        return fail(std::move(firsts).error().wrap(spec.origin + ": stages.train.strategy"));
    PipelineOptions pipeline;
    pipeline.epochs = spec.train.epochs;
    pipeline.batchSize = spec.train.batchSize;
    pipeline.microBatches = spec.train.strategy.microBatches;
    pipeline.seed = spec.train.seed;
    pipeline.optimizer = spec.train.optimizer;
    pipeline.logEvery = spec.train.logEvery;
    pipeline.lastStageOnRankZero = true; // rank 0 reports the run's loss and evaluation
    PipelineStage stage(*p.selection.backend, *p.model, *options.plane, std::move(*firsts),
                        pipeline);
    if (listener)
        listener->onStart(start);
    RunOutcome outcome;
    outcome.start = start;
    outcome.summary = stage.fit(p.train, spec.evaluate.enabled ? &p.test : nullptr, sink);
    sink.flush();
    if (outcome.summary.failure)
        return fail(std::move(*outcome.summary.failure));
    if (auto& failure = sink.failure())
        return fail(std::move(*failure).wrap("storing metrics"));
    outcome.status =
            outcome.summary.cancelled ? store::RunStatus::Cancelled : store::RunStatus::Finished;
    TS_TRY(recorder.finishRun(start.runId, outcome.status, {}));
    outcome.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();
    return outcome;
}

} // namespace ts::train::detail
