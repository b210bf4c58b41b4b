// Ring all-reduce over the ranks' data plane (dist/data_plane.h): every rank ends with the
// element-wise sum of every rank's buffer, as Horovod and NCCL compute it on CPUs without a
// parameter server.
//
// The buffer is cut into N chunks (N ranks). Reduce-scatter: in N-1 steps each rank sends one
// chunk to the next rank and adds the chunk it receives from the previous one, after which rank r
// holds the complete sum of chunk r+1. All-gather: in N-1 more steps the finished chunks travel
// the ring and overwrite. Each rank sends and receives 2(N-1)/N of the buffer, whatever N. Every
// chunk's sum is computed once and copied, so all ranks hold bit-identical results.
//
// Small buffers (under SmallMessageBytes) take the direct path instead: one round in which every
// rank sends its whole buffer to every other and each sums them in rank order (also identical on
// every rank): for a few kilobytes, 1 round-trip beats 2(N-1) ring steps.
//
// THREAD SAFETY: one call at a time per DataPlane; every rank must call with the same `name` and
// buffer size, in the same order.
#pragma once

#include "common/result.h"
#include "dist/data_plane.h"

#include <chrono>
#include <cstddef>
#include <span>
#include <string>

namespace ts::dist {

inline constexpr size_t SmallMessageBytes = 16 * 1024;

// Sums `data` over the ranks of `plane`, in place. `name` tells this reduction's messages from
// those of others (one name per call site and step, e.g. "grad:120").
common::Result ringAllReduce(DataPlane& plane, std::span<float> data, const std::string& name,
                             std::chrono::milliseconds timeout = std::chrono::seconds(60));

} // namespace ts::dist
