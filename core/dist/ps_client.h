// PsClient: a worker's side of a parameter-server job, as ps-lite's KVWorker: the model's keys,
// flattened in parameter order, are split into one contiguous range per server rank
// (partitionKeys), and push/pull talk to every server at once (dist/parameter_server.h).
//
// Neither call blocks on the servers: push() queues the gradient (ZeroMQ sends in the
// background) and pull() queues the requests and returns a ticket; wait() on the ticket receives
// the weights, as soon as every server's consistency rule lets it answer.
//
// @code
//     PsClient client(plane, partitionKeys(sizes, serverRanks));
//     auto ticket = client.pull(step);              // before computing `step`
//     TS_TRY(client.wait(ticket, weights));          // version of the weights received
//     ... forward, backward ...
//     TS_TRY(client.push(step, rows, gradient));
//     TS_TRY(client.done());                         // after the last step
// @endcode
//
// THREAD SAFETY: one thread, which owns the data plane meanwhile.
#pragma once

#include "common/result.h"

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace ts::dist {

class DataPlane;

struct KeyRange
{
    int server = 0; // its rank
    size_t offset = 0;
    size_t count = 0;
};

// Splits keys of parameter tensors of `sizes` (in order) into one contiguous range per server,
// cut at tensor boundaries, as even as the tensors allow. InvalidInput when there are more
// servers than tensors.
common::Expected<std::vector<KeyRange>> partitionKeys(const std::vector<size_t>& sizes,
                                                      const std::vector<int>& servers);

class PsClient
{
public:
    struct Ticket
    {
        int64_t step = 0;
    };

    PsClient(DataPlane& plane, std::vector<KeyRange> ranges,
             std::chrono::milliseconds timeout = std::chrono::seconds(120));

    const std::vector<KeyRange>& ranges() const { return m_ranges; }
    // Sends each server its range of `gradient` (all keys), the mean over `rows` rows of `step`.
    common::Result push(int64_t step, int64_t rows, std::span<const float> gradient);
    Ticket pull(int64_t step);
    // Receives the weights of every server for the ticket's step into `weights` (all keys);
    // returns the oldest version among them. Io error naming the server that did not answer.
    common::Expected<int64_t> wait(const Ticket& ticket, std::span<float> weights);
    common::Result done();

private:
    DataPlane& m_plane;
    std::vector<KeyRange> m_ranges;
    std::chrono::milliseconds m_timeout;
    common::Result m_pullSent; // the outcome of the last pull's requests, reported by wait()
};

} // namespace ts::dist
