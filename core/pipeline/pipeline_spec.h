// PipelineSpec: a pipeline file, parsed and validated (spec version 1).
//
// A pipeline is a JSON object whose "stages" run in order: source -> prep -> train -> evaluate.
// Every stage is an object with a single key naming its kind:
//
// @code
//     {
//       "trainstudio": 1,
//       "name": "quickstart",
//       "experiment": "fashion-mnist",
//       "stages": [
//         { "source":   { "format": "idx",
//                         "train": { "images": "train-images-idx3-ubyte.gz", "labels": "..." },
//                         "test":  { "images": "t10k-images-idx3-ubyte.gz",  "labels": "..." } } },
//         { "prep":     { "scale": "unit" } },
//         { "train":    { "model": { "type": "mlp", "hidden": [256, 128] },
//                         "optimizer": { "type": "sgd", "learningRate": 0.05, "momentum": 0.9 },
//                         "epochs": 1, "batchSize": 64, "seed": 42, "device": "auto" } },
//         { "evaluate": { "metrics": ["accuracy", "loss"] } }
//       ]
//     }
// @endcode
//
// Instead of a test file, a source may carve the test rows out of the training data:
// "split": { "test": 0.2, "method": "random" | "stratified" | "time", "timeColumn": "date",
// "seed": 7 }.
//
// Sources. "format": "idx" (train/test: images + labels files), "csv" (train/test: { "file" },
// with "labelColumn", "delimiter", "header": false, "inferRows") or "postgres" (train/test:
// { "table" } or { "query" }, with "connection", a libpq connection string; credentials best come
// from PGPASSWORD or ~/.pgpass, not the file). Table sources may declare column types,
// "columns": { "city": "categorical", "day": "timestamp" }, and stream a selection of the
// training rows: "sample": { "fraction": 0.1 } or { "rows": 100000 } (with "seed"), and
// "shard": { "rank": 0, "count": 4 } (with "seed"), see data/row_selection.h.
//
// "prep" derives columns before the split, "derive": ["bmi = weight / (height / 100) ^ 2"], then
// fits its transforms on the training split (data/fitted_prep.h, in this order):
// "encode": { "city": "one_hot", "size": "ordinal", "grade": { "ordinal": ["low", "high"] } },
// "impute": { "strategy": "mean" | "median" | "most_frequent" | "constant", "value": 0 },
// "clip": { "income": [0, 250000], "age": { "quantiles": [0.01, 0.99] } },
// "log": ["income"], "bucketize": { "age": [18, 30, 50], "rooms": { "quantiles": 4 } },
// "scale": "none" | "unit" | "min-max" | "standardize".
//
// "train" may say how the ranks of a job train together: "strategy": { "type": "allreduce" } or
// { "type": "parameter_server", "servers": 1, "mode": "ssp", "staleness": 2,
// "schedule": [{ "fromEpoch": 3, "mode": "async" }] } (epochs counted from 1; DESIGN.md,
// Strategies; dist/consistency.h), or the network's layers split over the ranks:
// { "type": "pipeline", "microBatches": 4 } (train/pipeline_stage.h).
// Data-parallel ranks read the whole training split and take their part of every global batch of
// batchSize x workers rows (data/batcher.h).
//
// A random forest instead of a network: "model": { "type": "random_forest", "trees": 100,
// "maxFeatures": "sqrt" | "all" | <count>, "criterion": "gini" | "entropy", "maxDepth": 0,
// "minSamplesSplit": 2, "minSamplesLeaf": 1, "bootstrap": true } and no optimizer; its trees are
// split across the job's ranks and, in each, across "threads" (forest/random_forest.h).
//
// Relative data paths are resolved against the folder of the pipeline file. The parser names the
// exact offending field of any mistake ("stages[2].train.batchSize: must be > 0, got 0").
#pragma once

#include "data/csv_reader.h"
#include "data/fitted_prep.h"
#include "data/imputer.h"
#include "data/normalizer.h"
#include "data/postgres_reader.h"
#include "data/splits.h"
#include "dist/consistency.h"
#include "forest/random_forest.h"
#include "nn/model_factory.h"
#include "nn/optimizer_factory.h"
#include "tensor/backend_registry.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ts::pipeline {

constexpr int SpecVersion = 1;

enum class SourceFormat { Idx, Csv, Postgres };

// Where one split's rows come from.
struct SplitFiles
{
    std::string images; // IDX: images file; CSV: the table
    std::string labels; // IDX only
    std::string table;  // PostgreSQL: a table, or
    std::string query;  // a query
};

// A test split carved out of the training data instead of a test file.
struct HoldoutSpec
{
    bool enabled = false;
    data::SplitSpec split;  // train = 1 - test, no validation rows yet
    std::string timeColumn; // method ByTime: the column name, resolved when the data is read
};

struct SourceSpec
{
    SourceFormat format = SourceFormat::Idx;
    SplitFiles train;
    SplitFiles test; // empty when holdout.enabled
    HoldoutSpec holdout;
    // Table sources (CSV, PostgreSQL): label column, declared types and the selection of the
    // training rows (the test rows are read whole).
    data::CsvOptions csv;
    std::string connection; // PostgreSQL only
};

struct PrepSpec
{
    data::ScaleKind scale = data::ScaleKind::None;
    // Derived columns, "bmi = weight / (height / 100) ^ 2" (data/expression.h), computed in
    // order before the split and the scaling; each may use the columns derived before it.
    std::vector<std::string> derive;
    // Missing values (NaN) filled per feature, fitted on the training split, before the scaling.
    data::ImputeSpec impute;
    std::vector<data::EncodeSpec> encode;
    std::vector<data::ClipSpec> clip;
    std::vector<std::string> log;
    std::vector<data::BucketizeSpec> bucketize;

    // The fitted steps of data/fitted_prep.h.
    data::PrepTransformsSpec transforms() const
    {
        return { encode, impute, clip, log, bucketize, scale };
    }
};

// How the ranks of a job train together (DESIGN.md, Strategies). "auto": all-reduce when the job
// has more than one rank, nothing to exchange with one.
struct StrategySpec
{
    enum class Kind { Auto, Local, AllReduce, ParameterServer, Pipeline };
    Kind kind = Kind::Auto;
    int servers = 1;      // parameter_server: the last `servers` ranks hold the weights
    int microBatches = 4; // pipeline: the parts of every batch (train/pipeline_stage.h)
    // parameter_server: the consistency from each phase's first epoch on; never empty.
    std::vector<dist::ConsistencyPhase> consistency { dist::ConsistencyPhase {} };
};

// "auto", "local", "allreduce", "parameter_server", "pipeline".
const std::vector<std::string>& strategyNames();
const std::string& nameOf(StrategySpec::Kind kind);

struct TrainSpec
{
    nn::ModelSpec model; // type "random_forest": `forest` holds the forest's parameters
    std::optional<forest::ForestParams> forest;
    nn::OptimizerSpec optimizer; // with its schedule and gradient clipping
    int epochs = 1;
    int64_t batchSize = 64;
    uint64_t seed = 0;
    tensor::DeviceRequest device = tensor::DeviceRequest::Auto;
    int threads = 0;       // CPU threads; 0 = every core this process may use
    int64_t logEvery = 50; // steps between train_loss points
    StrategySpec strategy;
};

struct EvaluateSpec
{
    bool enabled = false;
    std::vector<std::string> metrics; // "accuracy", "loss"
};

struct PipelineSpec
{
    std::string name;
    std::string experiment = "default";
    std::string origin;  // the file it was read from, for messages
    std::string baseDir; // the folder its relative paths were resolved against
    std::string text;    // the JSON as given, stored with the run
    SourceSpec source;
    PrepSpec prep;
    TrainSpec train;
    EvaluateSpec evaluate;
};

} // namespace ts::pipeline
