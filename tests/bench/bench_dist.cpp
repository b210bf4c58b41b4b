// Data-parallel training's costs, with every rank a process of its own on loopback (see README,
// Performance):
//  1. parameter-server round: a worker pushes a gradient of the whole model and pulls the
//     weights back (dist/ps_client.h against dist/parameter_server.h, sync, one server), for a
//     4 MB and a 64 MB model; beside raw ZeroMQ moving the same bytes the same way (a PUSH of the
//     model's bytes to the other process, a PUSH of as many back, plain TCP: the physical limit),
//     and raw ZeroMQ with CURVE, the encryption every data-plane socket has. MB/s counts both
//     directions. Target (issue 7): >= 0.7x raw.
//  2. two data-parallel worker processes (ring all-reduce, 1 thread each) against one worker
//     with 1 thread, the MLP 784-256-128-10 on Fashion-MNIST, SGD with momentum, the same
//     batch per worker: samples/s of the training steps. Target: >= 1.7x.
// Each section runs --repeat times, alternating ours and the peer; medians and min-max print.
//
// usage: bench_dist [--repeat 5] [--rounds 20] [--batches 64,256] [--rows 30000]
//                   [--bucket-kb 1024] [--only ps|dp]
#include "bench_stats.h"
#include "common/heap_tuning.h"
#include "dist/data_plane.h"
#include "dist/parameter_server.h"
#include "dist/ps_client.h"
#include "fashion_mnist.h"
#include "net/curve_keys.h"
#include "nn/model_factory.h"
#include "tensor/backend_registry.h"
#include "train/allreduce_strategy.h"
#include "train/trainer.h"

#include <sys/wait.h>
#include <unistd.h>
#include <zmq.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace ts;
using bench::median;
using Clock = std::chrono::steady_clock;

namespace {

std::string summary(const std::vector<double>& v, const char* format)
{
    char text[128];
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    std::string out;
    std::snprintf(text, sizeof text, format, median(v));
    out += text;
    out += " (";
    std::snprintf(text, sizeof text, format, *lo);
    out += text;
    out += "-";
    std::snprintf(text, sizeof text, format, *hi);
    out += text;
    return out + ")";
}

// A line over a pipe.
void writeLine(int fd, const std::string& line)
{
    const std::string text = line + "\n";
    (void)!::write(fd, text.data(), text.size());
}

std::string readLine(int fd)
{
    std::string line;
    char c = 0;
    while (::read(fd, &c, 1) == 1 && c != '\n')
        line += c;
    return line;
}

// Runs `body` in `n` forked processes, rank r in the r-th, each with its data plane bound,
// connected to the others (endpoints exchanged through pipes), and returns each one's result.
std::vector<double> runRanks(int n, const std::function<double(dist::DataPlane&)>& body)
{
    const net::KeyPair keys = *net::generateKeyPair();
    std::vector<int> fromChild(static_cast<size_t>(n)), toChild(static_cast<size_t>(n));
    std::vector<pid_t> pids;
    for (int r = 0; r < n; ++r) {
        int up[2], down[2];
        if (::pipe(up) != 0 || ::pipe(down) != 0)
            std::exit(3);
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(up[0]);
            ::close(down[1]);
            double result = -1;
            {
                auto plane = dist::DataPlane::bind("127.0.0.1", keys, r, n);
                if (!plane)
                    _exit(4);
                writeLine(up[1], (*plane)->endpoint());
                std::vector<std::string> endpoints;
                for (int i = 0; i < n; ++i)
                    endpoints.push_back(readLine(down[0]));
                if (!(*plane)->connect(endpoints, std::chrono::seconds(30), nullptr))
                    _exit(5);
                result = body(**plane);
            } // the plane's sockets deliver what they queued ("done") before the process ends
            writeLine(up[1], std::to_string(result));
            _exit(0);
        }
        ::close(up[1]);
        ::close(down[0]);
        fromChild[size_t(r)] = up[0];
        toChild[size_t(r)] = down[1];
        pids.push_back(pid);
    }
    std::vector<std::string> endpoints;
    for (int r = 0; r < n; ++r)
        endpoints.push_back(readLine(fromChild[size_t(r)]));
    for (int r = 0; r < n; ++r)
        for (const std::string& e : endpoints)
            writeLine(toChild[size_t(r)], e);
    std::vector<double> results;
    for (int r = 0; r < n; ++r) {
        const std::string line = readLine(fromChild[size_t(r)]);
        results.push_back(line.empty() ? -1 : std::stod(line));
        ::close(fromChild[size_t(r)]);
        ::close(toChild[size_t(r)]);
    }
    for (pid_t pid : pids)
        ::waitpid(pid, nullptr, 0);
    return results;
}

// 1. One push + pull of `keys` floats per round: MB/s (both directions) of rank 0, the worker.
double parameterServerRound(size_t keys, int rounds)
{
    const auto results = runRanks(2, [&](dist::DataPlane& plane) -> double {
        if (plane.rank() == 1) {
            dist::ServerConfig config;
            config.workers = { 0 };
            dist::ParameterServer server(plane, config, std::vector<float>(keys, 0.0f),
                                         [](std::span<const float> g, int64_t, std::span<float> w) {
                                             for (size_t i = 0; i < w.size(); ++i)
                                                 w[i] -= 0.001f * g[i];
                                         });
            return server.run(nullptr) ? 0 : -1;
        }
        dist::PsClient client(plane, { { 1, 0, keys } });
        std::vector<float> gradient(keys, 1.0f), weights(keys);
        const int warmUp = 2;
        Clock::time_point start;
        for (int step = 0; step < warmUp + rounds; ++step) {
            if (step == warmUp)
                start = Clock::now();
            if (!client.push(step, 1, gradient) || !client.wait(client.pull(step + 1), weights))
                return -1;
        }
        const double s = std::chrono::duration<double>(Clock::now() - start).count();
        (void)client.done();
        return 2.0 * double(keys) * 4 * rounds / s / 1e6;
    });
    return results[0];
}

// 1'. The same bytes with raw ZeroMQ: `keys` floats to the other process and as many back.
double rawZeroMqRound(size_t keys, int rounds, bool curve)
{
    const size_t bytes = keys * 4;
    const net::KeyPair k = *net::generateKeyPair();
    int up[2];
    if (::pipe(up) != 0)
        return -1;
    const pid_t pid = ::fork();
    if (pid == 0) {
        {
            zmq::context_t context;
            zmq::socket_t in(context, zmq::socket_type::pull), out(context, zmq::socket_type::push);
            for (zmq::socket_t* s : { &in, &out })
                if (curve) {
                    s->set(zmq::sockopt::curve_server, 1);
                    s->set(zmq::sockopt::curve_secretkey, k.secretKey);
                }
            in.bind("tcp://127.0.0.1:*");
            out.bind("tcp://127.0.0.1:*");
            writeLine(up[1], in.get(zmq::sockopt::last_endpoint));
            writeLine(up[1], out.get(zmq::sockopt::last_endpoint));
            std::vector<char> reply(bytes, 1);
            for (int i = 0; i < rounds + 2; ++i) {
                zmq::message_t message;
                if (!in.recv(message))
                    _exit(1);
                out.send(zmq::buffer(reply), zmq::send_flags::none);
            }
        } // the context delivers the last reply before the process ends
        _exit(0);
    }
    ::close(up[1]);
    const std::string inEndpoint = readLine(up[0]), outEndpoint = readLine(up[0]);
    ::close(up[0]);
    double mbPerSecond = -1;
    {
        zmq::context_t context;
        zmq::socket_t push(context, zmq::socket_type::push), pull(context, zmq::socket_type::pull);
        for (zmq::socket_t* s : { &push, &pull })
            if (curve) {
                s->set(zmq::sockopt::curve_serverkey, k.publicKey);
                s->set(zmq::sockopt::curve_publickey, k.publicKey);
                s->set(zmq::sockopt::curve_secretkey, k.secretKey);
            }
        push.connect(inEndpoint);
        pull.connect(outEndpoint);
        std::vector<char> gradient(bytes, 1);
        Clock::time_point start;
        for (int i = 0; i < rounds + 2; ++i) {
            if (i == 2)
                start = Clock::now();
            push.send(zmq::buffer(gradient), zmq::send_flags::none);
            zmq::message_t message;
            if (!pull.recv(message))
                break;
        }
        const double s = std::chrono::duration<double>(Clock::now() - start).count();
        mbPerSecond = 2.0 * double(bytes) * rounds / s / 1e6;
    }
    ::waitpid(pid, nullptr, 0);
    return mbPerSecond;
}

class NoSink final : public train::MetricSink
{
public:
    void onMetric(const std::string&, int64_t, double) override {}
};

// 2. One epoch over `data` with `batch` rows per worker: samples/s of the training steps of this
// rank (all ranks together take the data once), and with a plane, ring all-reduce.
size_t g_bucketBytes = train::AllReduceStrategy::DefaultBucketBytes;

double trainEpoch(const data::Dataset& data, int64_t batch, dist::DataPlane* plane)
{
    auto backend = tensor::createCpuBackend(1);
    nn::ModelSpec spec;
    spec.hidden = { 256, 128 };
    auto model = nn::buildModel(spec, *backend, { data.cols }, 10, 42);
    nn::OptimizerSpec sgd;
    sgd.learningRate = 0.05f;
    sgd.momentum = 0.9f;
    train::TrainOptions options { 1, batch, 42, sgd, 1000 };
    std::unique_ptr<train::AllReduceStrategy> allReduce;
    if (plane) {
        allReduce = std::make_unique<train::AllReduceStrategy>(*plane, g_bucketBytes);
        options.strategy = allReduce.get();
        options.dataRank = plane->rank();
        options.dataRanks = plane->worldSize();
    }
    train::Trainer trainer(*backend, *model, options);
    NoSink sink;
    const train::TrainSummary s = trainer.fit(data, nullptr, sink);
    return s.failure ? -1 : s.samplesPerSecond;
}

} // namespace

int main(int argc, char** argv)
{
    std::setvbuf(stdout, nullptr, _IOLBF, 0); // figures as they come, also into a pipe
    common::keepLargeBlocksInHeap();          // as a job's rank process does
    int repeat = 5, rounds = 20;
    std::string only; // "ps" or "dp": one section
    int64_t rows = 30000;
    std::vector<int64_t> batches { 64, 256 };
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--repeat")
            repeat = std::stoi(value);
        else if (flag == "--rounds")
            rounds = std::stoi(value);
        else if (flag == "--only")
            only = value;
        else if (flag == "--bucket-kb")
            g_bucketBytes = std::stoull(value) * 1024;
        else if (flag == "--rows")
            rows = std::stoll(value);
        else if (flag == "--batches") {
            batches.clear();
            for (size_t at = 0; at < value.size();) {
                const size_t comma = value.find(',', at);
                batches.push_back(std::stoll(value.substr(at, comma - at)));
                at = comma == std::string::npos ? value.size() : comma + 1;
            }
        }
    }
    if (only != "dp")
        std::printf("1. parameter-server round (push + pull, sync, 1 worker, 1 server, 2 "
                    "processes)\n");
    for (const size_t megabytes : { size_t(4), size_t(64) }) {
        if (only == "dp")
            break;
        const size_t keys = megabytes * 1000 * 1000 / 4;
        const int n = megabytes >= 64 ? std::max(rounds / 4, 3) : rounds;
        std::vector<double> ours, raw, rawCurve;
        for (int r = 0; r < repeat; ++r) {
            ours.push_back(parameterServerRound(keys, n));
            raw.push_back(rawZeroMqRound(keys, n, false));
            rawCurve.push_back(rawZeroMqRound(keys, n, true));
        }
        std::printf("   %3zu MB model, %d rounds: ours %s MB/s, raw ZeroMQ %s MB/s, raw ZeroMQ + "
                    "CURVE %s MB/s; ratio ours/raw %.2fx, ours/raw+CURVE %.2fx\n",
                    megabytes, n, summary(ours, "%.0f").c_str(), summary(raw, "%.0f").c_str(),
                    summary(rawCurve, "%.0f").c_str(), median(ours) / median(raw),
                    median(ours) / median(rawCurve));
    }
    if (only == "ps")
        return 0;
    std::printf("2. data parallel, MLP 784-256-128-10 on %lld Fashion-MNIST rows, 1 epoch, "
                "1 thread per process\n",
                static_cast<long long>(rows));
    const data::Dataset data = bench::fashionMnist("train", rows);
    data::Dataset half = data;
    half.rows = data.rows / 2;
    half.features.resize(size_t(half.rows * half.cols));
    half.labels.resize(size_t(half.rows));
    for (const int64_t batch : batches) {
        std::vector<double> one, two, apart;
        for (int r = 0; r < repeat; ++r) {
            one.push_back(runRanks(
                    1, [&](dist::DataPlane&) { return trainEpoch(data, batch, nullptr); })[0]);
            const auto each = runRanks(
                    2, [&](dist::DataPlane& plane) { return trainEpoch(data, batch, &plane); });
            // Both ranks stepped together: the job's rate is the sum of theirs.
            two.push_back(each[0] + each[1]);
            // The machine's own limit: two processes training half the rows each, apart.
            const auto alone =
                    runRanks(2, [&](dist::DataPlane&) { return trainEpoch(half, batch, nullptr); });
            apart.push_back(alone[0] + alone[1]);
        }
        std::printf("   batch %lld per worker: 1 worker %s samples/s, 2 workers (all-reduce) %s "
                    "samples/s; ratio %.2fx (target >= 1.7x); 2 processes training apart without "
                    "exchanging %s samples/s, %.2fx\n",
                    static_cast<long long>(batch), summary(one, "%.0f").c_str(),
                    summary(two, "%.0f").c_str(), median(two) / median(one),
                    summary(apart, "%.0f").c_str(), median(apart) / median(one));
    }
    return 0;
}
