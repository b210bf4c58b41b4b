#!/usr/bin/python3
"""MLP training benchmark: TrainStudio vs PyTorch, same work, same machine, one run.

One epoch of the quickstart MLP (784-256-128-10, SGD lr 0.05 momentum 0.9) on Fashion-MNIST,
at batch 64 and 256, with 1 thread and with 2 threads. Each configuration runs --repeat times on
each side, alternating, and the median samples/s (training steps only) is compared.

PyTorch runs in its best configuration for the cores given (see BENCHMARKING notes): at 1 thread,
torch.set_num_threads(1) and OPENBLAS_NUM_THREADS=1; at 2 threads, the better of
(torch 2 threads, OpenBLAS 1) and (torch 1 thread, OpenBLAS 2), chosen by its median.

usage: tests/bench/bench_mlp.py [--build build/release] [--repeat 3] [--batches 64 256]
                                 [--threads 1 2]
Needs Debian's python3-torch (packaging/install-deps.sh --bench) and a built trainstudio-cli.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]


def load_average():
    return os.getloadavg()[0]


def run_ours(cli, pipeline, threads, store):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([cli, "run", pipeline, "--json", "--device", "cpu",
                          "--threads", str(threads), "--store", store],
                         env=env, check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return r["samples_per_second"], r["metrics"]["test_accuracy"]


def run_torch(threads, openblas, batch):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(openblas), OMP_NUM_THREADS=str(threads))
    out = subprocess.run(["/usr/bin/python3", str(ROOT / "tests/bench/mlp_torch.py"),
                          "--threads", str(threads), "--batch", str(batch)],
                         env=env, check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    return r["samples_per_second"], r["test_accuracy"]


def summary(values):
    return statistics.median(values), min(values), max(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(ROOT / "build/release"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    cli = str(pathlib.Path(args.build) / "bin/trainstudio-cli")
    quickstart = json.loads((ROOT / "resources/pipelines/quickstart.json").read_text())

    print(f"# MLP 784-256-128-10, 1 epoch of Fashion-MNIST, median of {args.repeat} runs "
          f"(load average at start {load_average():.2f})")
    print(f"{'batch':>5} {'threads':>7} {'TrainStudio samples/s':>22} {'PyTorch samples/s':>18} "
          f"{'ratio':>6} {'acc ours':>8} {'acc torch':>9}  torch config")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for batch in args.batches:
            spec = json.loads(json.dumps(quickstart))
            spec["stages"][2]["train"]["batchSize"] = batch
            pipeline = os.path.join(tmp, f"mlp-{batch}.json")
            pathlib.Path(pipeline).write_text(json.dumps(spec))
            for threads in args.threads:
                torch_configs = [(threads, 1)] if threads == 1 else [(threads, 1), (1, threads)]
                ours, theirs = [], {c: [] for c in torch_configs}
                acc_ours, acc_torch = [], {c: [] for c in torch_configs}
                for _ in range(args.repeat):
                    s, a = run_ours(cli, pipeline, threads, os.path.join(tmp, "bench.sqlite"))
                    ours.append(s)
                    acc_ours.append(a)
                    for config in torch_configs:
                        s, a = run_torch(config[0], config[1], batch)
                        theirs[config].append(s)
                        acc_torch[config].append(a)
                best = max(torch_configs, key=lambda c: statistics.median(theirs[c]))
                o, t = summary(ours), summary(theirs[best])
                ratio = o[0] / t[0]
                failed |= ratio < 1.0
                print(f"{batch:>5} {threads:>7} {o[0]:>10,.0f} ({o[1]:,.0f}-{o[2]:,.0f})"
                      f" {t[0]:>8,.0f} ({t[1]:,.0f}-{t[2]:,.0f}) {ratio:>5.2f}x"
                      f" {statistics.median(acc_ours):>8.4f}"
                      f" {statistics.median(acc_torch[best]):>9.4f}"
                      f"  torch threads {best[0]}, OpenBLAS threads {best[1]}", flush=True)
    print("target >= 1.00x at every row:", "MISSED" if failed else "met")


if __name__ == "__main__":
    sys.exit(main())
