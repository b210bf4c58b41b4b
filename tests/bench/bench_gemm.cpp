// sgemm path benchmark: TrainStudio's Backend::gemm (shape checks, Tensor plumbing, our thread
// pool splitting the output into one OpenBLAS call per thread) against raw cblas_sgemm with
// OpenBLAS's own threads, on the same operands, for the GEMM shapes the quickstart MLP and the
// Fashion-MNIST CNN run in training (forward, weight gradient, input gradient). Prints GFLOP/s of
// both and the ratio; the target is >= 0.90 (the overhead of our layer is ours to keep small).
//
// usage: build/release/bin/bench_gemm [threads] [repeats]
#include "tensor/cpu/cpu_backend.h"
#include "tensor/tensor.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

using namespace ts::tensor;

namespace {

struct Shape3
{
    const char* what;
    Transpose ta, tb;
    int64_t m, n, k;
};

double timeCalls(auto&& call, int repeats)
{
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i)
        call();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            / repeats;
}

// Seconds per call of each of two calls, median of 7 samples taken alternately so that noise
// from other processes hits both sides alike.
std::pair<double, double> secondsPerCall(auto&& first, auto&& second, int repeats)
{
    timeCalls(first, 3);
    timeCalls(second, 3);
    std::vector<double> a, b;
    for (int r = 0; r < 7; ++r) {
        a.push_back(timeCalls(first, repeats));
        b.push_back(timeCalls(second, repeats));
    }
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return { a[a.size() / 2], b[b.size() / 2] };
}

Tensor randomTensor(Backend& backend, int64_t rows, int64_t cols)
{
    std::mt19937 g(7);
    std::uniform_real_distribution<float> d(-1, 1);
    std::vector<float> v(size_t(rows * cols));
    for (float& x : v)
        x = d(g);
    return Tensor::fromHost(backend, { rows, cols }, v);
}

} // namespace

int main(int argc, char** argv)
{
    const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 20;
    CpuBackend cpu(threads);
    const auto N = Transpose::No, T = Transpose::Yes;
    const Shape3 shapes[] = {
        { "mlp dense1 forward   (64x784 * 784x256)", N, N, 64, 256, 784 },
        { "mlp dense1 weight grad (784x64 * 64x256)", T, N, 784, 256, 64 },
        { "mlp dense2 input grad (64x128 * 128x256)", N, T, 64, 256, 128 },
        { "cnn conv1 forward  (36864x25 * 25x32)", N, N, 36864, 32, 25 },
        { "cnn conv2 forward  (4096x800 * 800x64)", N, N, 4096, 64, 800 },
        { "cnn conv2 weight grad (800x4096 * 4096x64)", T, N, 800, 64, 4096 },
        { "cnn conv2 input grad (4096x64 * 64x800)", N, T, 4096, 800, 64 },
        { "cnn dense1 forward (64x1024 * 1024x128)", N, N, 64, 128, 1024 },
    };
    std::printf("# sgemm path, %d thread(s), %s; median of 7 alternating samples of %d calls\n",
                threads, cpu.name().c_str(), repeats);
    std::printf("%-44s %12s %12s %7s\n", "shape", "ours GFLOP/s", "cblas GFLOP/s", "ratio");
    double worst = 1e9;
    for (const Shape3& s : shapes) {
        const bool ta = s.ta == T, tb = s.tb == T;
        Tensor a = ta ? randomTensor(cpu, s.k, s.m) : randomTensor(cpu, s.m, s.k);
        Tensor b = tb ? randomTensor(cpu, s.n, s.k) : randomTensor(cpu, s.k, s.n);
        Tensor c = Tensor::zeros(cpu, { s.m, s.n });
        const double flops = 2.0 * double(s.m) * double(s.n) * double(s.k);
        const auto [ours, raw] = secondsPerCall(
                [&] { cpu.gemm(s.ta, s.tb, 1.0f, a, b, 0.0f, c); },
                [&] {
                    // OpenBLAS's own threading for the peer; ours runs OpenBLAS on one thread
                    // per block of the output.
                    openblas_set_num_threads(threads);
                    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                                tb ? CblasTrans : CblasNoTrans, blasint(s.m), blasint(s.n),
                                blasint(s.k), 1.0f, a.data(), blasint(a.cols()), b.data(),
                                blasint(b.cols()), 0.0f, c.data(), blasint(s.n));
                    openblas_set_num_threads(1);
                },
                repeats);
        const double ratio = raw / ours;
        worst = std::min(worst, ratio);
        std::printf("%-44s %12.1f %12.1f %6.2fx\n", s.what, flops / ours / 1e9, flops / raw / 1e9,
                    ratio);
    }
    std::printf("worst ratio %.2fx (target >= 0.90x): %s\n", worst,
                worst >= 0.9 ? "met" : "MISSED");
    return 0;
}
