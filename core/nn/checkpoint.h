// Checkpoints: everything a training run needs to resume exactly where it stopped.
//
// A checkpoint file is a fixed 52-byte header followed by a payload. All header integers are
// little-endian:
//
//     offset  size  field
//          0     8  magic "TSCKPT\x1a\n" (0x1a stops `type` on Windows; \n exposes CRLF mangling)
//          8     4  uint32 format version (kCheckpointFormat; 0 is never written)
//         12     8  uint64 payload size in bytes
//         20    32  SHA-256 of the payload (libsodium crypto_hash_sha256)
//         52     N  payload: a boost::archive::binary_oarchive of CheckpointState
//
// The payload keeps Boost's own archive header (signature, library version, sizes of the basic
// types, byte order) on purpose: a newer Boost then still reads archives of an older one, and a
// payload that is no archive, or comes from an incompatible platform, fails there instead of being
// decoded. Boost's binary archive is native-endian; TrainStudio builds for little-endian hosts.
// Boost.Serialization makes no safety claim for hostile input, so the loader verifies the SHA-256
// before Boost sees a byte, and every count in the payload is checked against the payload size
// before anything is allocated.
//
// Versioning: the header's format version changes only when the container changes (header,
// hash, archive kind). Adding a field to a struct bumps its BOOST_CLASS_VERSION in checkpoint.cpp
// and reads the field only `if (version >= n)`, so old checkpoints keep loading. A file of a newer
// format, or with a struct version newer than this build knows, is refused as Unsupported.
//
// A trainer saves and resumes like this:
//
// @code
//     CheckpointState state;                               // on save, every K steps
//     state.modelSpec = specJson;
//     state.parameters = captureTensors(parametersOf(model));
//     state.buffers = captureTensors(model.buffers());
//     state.optimizerState = captureTensors(optimizer.state());
//     state.optimizerType = "adam";
//     state.optimizerStep = optimizer.stepCount();
//     state.globalStep = step; state.epoch = epoch; state.batchInEpoch = nextBatch;
//     TS_TRY(saveCheckpoint(path, state));
//
//     auto loaded = loadCheckpoint(path);                  // on resume, after rebuilding the
//     if (!loaded)                                         // model and optimizer from modelSpec
//         return std::move(loaded).error().wrap("resuming run 12");
//     TS_TRY(restoreTensors(loaded->parameters, parametersOf(model)));
//     TS_TRY(restoreTensors(loaded->buffers, model.buffers()));
//     TS_TRY(restoreTensors(loaded->optimizerState, optimizer.state()));
//     optimizer.setStepCount(loaded->optimizerStep);
// @endcode
//
// THREAD SAFETY: the functions keep no shared state; two threads must not save to the same path
// at once (they would share "<path>.tmp"). captureTensors and restoreTensors use the tensors'
// backend, which belongs to one thread at a time.
#pragma once

#include "common/result.h"
#include "tensor/tensor.h"

#include <cstdint>
#include <string>
#include <utility> // for std::pair
#include <vector>

namespace ts::nn {

class Sequential;

// The version of the file container that saveCheckpoint writes and the newest loadCheckpoint reads.
inline constexpr uint32_t kCheckpointFormat = 1;

// Tensors of a model or an optimizer by name, as Layer::buffers() and Optimizer::state() list them.
using TensorRefs = std::vector<std::pair<std::string, tensor::Tensor*>>;

// A tensor downloaded to host memory, addressed by the name its model or optimizer gives it.
struct NamedTensor
{
    std::string name; // "dense1.weight", "bn1.running_mean", "dense1.weight.velocity"
    std::vector<int64_t> shape;
    std::vector<float> values; // row-major, elementCount(shape) of them
};

struct CheckpointState
{
    std::string modelSpec; // JSON text of the model spec, to rebuild the network before restoring
    std::vector<NamedTensor> parameters;
    std::vector<NamedTensor> buffers;        // batch-norm running statistics
    std::vector<NamedTensor> optimizerState; // Optimizer::state(): momentum, Adam moments
    std::string optimizerType;
    int64_t optimizerStep = 0; // Optimizer::stepCount(); Adam's bias correction depends on it
    int64_t globalStep = 0;
    int epoch = 0;
    int64_t batchInEpoch = 0; // the next batch to run
    uint64_t seed = 0;
    std::vector<std::pair<std::string, uint64_t>> counters; // e.g. dropout call counts, per layer
};

// Writes `state` to `path` atomically: to "<path>.tmp" in the same folder, fsync, rename over
// `path`, fsync the folder. On failure (Io naming the path and the OS reason, Internal when the
// state cannot be serialised) the previous file at `path` is left as it was and no temporary
// file remains.
common::Result saveCheckpoint(const std::string& path, const CheckpointState& state);

// Reads a checkpoint. Errors: NotFound when `path` does not exist; Io when it cannot be read;
// Corrupt for a file that is not a checkpoint, is truncated, fails its SHA-256 or cannot be
// decoded; Unsupported for a format newer than kCheckpointFormat or a struct version (or Boost
// archive version) newer than this build's. Never throws.
common::Expected<CheckpointState> loadCheckpoint(const std::string& path);

// Downloads every tensor to host memory under its name. The tensors must be allocated.
std::vector<NamedTensor> captureTensors(const TensorRefs& tensors);

// Uploads `saved` into the tensors of `into`, matched by name. Every tensor of `into` must be in
// `saved` with the same shape and `saved` must hold no other: otherwise InvalidInput names the
// first missing, extra or mismatched tensor and no tensor is changed.
common::Result restoreTensors(const std::vector<NamedTensor>& saved, const TensorRefs& into);

// The model's trainable tensors as (name, &parameter.value), for captureTensors and
// restoreTensors; its buffers come from Sequential::buffers().
TensorRefs parametersOf(const Sequential& model);

} // namespace ts::nn
