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
// "seed": 7 }. "prep" may derive columns before the split and the scaling:
// "derive": ["bmi = weight / (height / 100) ^ 2"], and fill missing values before the scaling:
// "impute": { "strategy": "mean" | "median" | "most_frequent" | "constant", "value": 0 } (value
// for constant only, and required there).
//
// Relative data paths are resolved against the folder of the pipeline file. The parser names the
// exact offending field of any mistake ("stages[2].train.batchSize: must be > 0, got 0").
#pragma once

#include "data/csv_reader.h"
#include "data/imputer.h"
#include "data/normalizer.h"
#include "data/splits.h"
#include "nn/model_factory.h"
#include "nn/optimizer_factory.h"
#include "tensor/backend_registry.h"

#include <cstdint>
#include <string>
#include <vector>

namespace ts::pipeline {

constexpr int SpecVersion = 1;

enum class SourceFormat { Idx, Csv };

struct SplitFiles
{
    std::string images; // IDX: images file; CSV: the table
    std::string labels; // IDX only
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
    data::CsvOptions csv; // CSV only
};

struct PrepSpec
{
    data::ScaleKind scale = data::ScaleKind::None;
    // Derived columns, "bmi = weight / (height / 100) ^ 2" (data/expression.h), computed in
    // order before the split and the scaling; each may use the columns derived before it.
    std::vector<std::string> derive;
    // Missing values (NaN) filled per feature, fitted on the training split, before the scaling.
    data::ImputeSpec impute;
};

struct TrainSpec
{
    nn::ModelSpec model;
    nn::OptimizerSpec optimizer; // with its schedule and gradient clipping
    int epochs = 1;
    int64_t batchSize = 64;
    uint64_t seed = 0;
    tensor::DeviceRequest device = tensor::DeviceRequest::Auto;
    int threads = 0;       // CPU threads; 0 = every core this process may use
    int64_t logEvery = 50; // steps between train_loss points
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
    std::string origin; // the file it was read from, for messages
    std::string text;   // the JSON as given, stored with the run
    SourceSpec source;
    PrepSpec prep;
    TrainSpec train;
    EvaluateSpec evaluate;
};

} // namespace ts::pipeline
