#!/usr/bin/python3
"""Training benchmark: TrainStudio vs PyTorch, same work, same machine, one run.

  --model mlp   quickstart.json   (MLP 784-256-128-10, SGD momentum), batches 64 and 256
  --model cnn   fashion-cnn.json  (conv5x5(32)-pool-conv5x5(64)-pool-fc128-fc10, Adam), batch 64

One epoch on Fashion-MNIST with 1 thread and with 2 threads. Each configuration runs --repeat
times on each side, alternating, and the medians are compared: samples/s of the training steps,
test accuracy, and peak resident memory of the whole process (/usr/bin/time -v).

PyTorch runs in its best configuration for the cores given: at 1 thread, torch 1 and
OPENBLAS_NUM_THREADS=1; at 2 threads the better of (torch 2, OpenBLAS 1) and (torch 1,
OpenBLAS 2) by median samples/s.

OpenBLAS kernels: some machines force OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) in the
environment for old builds that misbehave on new CPUs. Both sides use the same libopenblas, so by
default the benchmark unsets both for both sides and lets OpenBLAS pick the kernels for this CPU
(the chosen family is printed, from TrainStudio's backend name); --keep-openblas-env keeps them.

usage: tests/bench/bench_train.py [--model mlp|cnn] [--build build/release] [--repeat 3]
                                  [--batches 64 256] [--threads 1 2] [--keep-openblas-env]
Needs Debian's python3-torch and time (packaging/install-deps.sh --bench) and a built
trainstudio-cli.
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
PIPELINES = {"mlp": "quickstart.json", "cnn": "fashion-cnn.json"}


KEEP_OPENBLAS_ENV = False


def environment(**settings):
    env = dict(os.environ, **settings)
    if not KEEP_OPENBLAS_ENV:
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    return env


def timed(command, env):
    """Runs `command` under /usr/bin/time -v; returns (stdout, peak RSS in MiB)."""
    done = subprocess.run(["/usr/bin/time", "-v"] + command, env=env, check=True,
                          capture_output=True, text=True)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return done.stdout, int(peak.group(1)) / 1024 if peak else float("nan")


def run_ours(cli, pipeline, threads, store):
    env = environment(OPENBLAS_NUM_THREADS=str(threads))
    out, peak = timed([cli, "run", pipeline, "--json", "--device", "cpu",
                       "--threads", str(threads), "--store", store], env)
    r = json.loads(out)
    return r["samples_per_second"], r["metrics"]["test_accuracy"], peak, r["backend"]


def run_torch(model, threads, openblas, batch):
    env = environment(OPENBLAS_NUM_THREADS=str(openblas), OMP_NUM_THREADS=str(threads))
    out, peak = timed(["/usr/bin/python3", str(ROOT / "tests/bench/torch_peer.py"),
                       "--model", model, "--threads", str(threads), "--batch", str(batch)], env)
    r = json.loads(out)
    return r["samples_per_second"], r["test_accuracy"], peak


def spread(values):
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(PIPELINES), default="mlp")
    parser.add_argument("--build", default=str(ROOT / "build/release"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batches", type=int, nargs="+")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--keep-openblas-env", action="store_true")
    args = parser.parse_args()
    global KEEP_OPENBLAS_ENV
    KEEP_OPENBLAS_ENV = args.keep_openblas_env
    batches = args.batches or ([64, 256] if args.model == "mlp" else [64])
    cli = str(pathlib.Path(args.build) / "bin/trainstudio-cli")
    base = json.loads((ROOT / "resources/pipelines" / PIPELINES[args.model]).read_text())

    print(f"# {args.model}: {PIPELINES[args.model]}, 1 epoch of Fashion-MNIST, median of "
          f"{args.repeat} runs (load average at start {os.getloadavg()[0]:.2f})")
    print("batch threads | TrainStudio samples/s | PyTorch samples/s | ratio | accuracy ours/torch"
          " | peak MiB ours/torch | torch config")
    missed = False
    with tempfile.TemporaryDirectory() as tmp:
        for batch in batches:
            spec = json.loads(json.dumps(base))
            spec["stages"][2]["train"]["batchSize"] = batch
            pipeline = os.path.join(tmp, f"{args.model}-{batch}.json")
            pathlib.Path(pipeline).write_text(json.dumps(spec))
            for threads in args.threads:
                configs = [(threads, 1)] if threads == 1 else [(threads, 1), (1, threads)]
                ours = []
                theirs = {c: [] for c in configs}
                for _ in range(args.repeat):
                    ours.append(run_ours(cli, pipeline, threads, os.path.join(tmp, "b.sqlite")))
                    for c in configs:
                        theirs[c].append(run_torch(args.model, c[0], c[1], batch))
                if batch == batches[0] and threads == args.threads[0]:
                    print(f"# TrainStudio backend: {ours[0][3]}", flush=True)
                best = max(configs, key=lambda c: statistics.median(r[0] for r in theirs[c]))
                o = [r[0] for r in ours]
                t = [r[0] for r in theirs[best]]
                ratio = statistics.median(o) / statistics.median(t)
                missed |= ratio < 1.0
                print(f"{batch:>5} {threads:>7} | {spread(o)} | {spread(t)} | {ratio:.2f}x"
                      f" | {statistics.median(r[1] for r in ours):.4f}"
                      f"/{statistics.median(r[1] for r in theirs[best]):.4f}"
                      f" | {statistics.median(r[2] for r in ours):.0f}"
                      f"/{statistics.median(r[2] for r in theirs[best]):.0f}"
                      f" | torch {best[0]} threads, OpenBLAS {best[1]}", flush=True)
    print("speed target >= 1.00x at every row:", "MISSED" if missed else "met")


if __name__ == "__main__":
    sys.exit(main())
