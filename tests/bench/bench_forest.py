#!/usr/bin/python3
"""Random forest benchmark: TrainStudio vs scikit-learn, same work, same machine, one run.

100 trees, sqrt(784) features per split, Gini, bootstrap, unlimited depth, on the first 20,000
Fashion-MNIST training images (pixels scaled to [0, 1]), tested on the 10,000 test images.
scikit-learn's RandomForestClassifier with n_jobs 1 and 2 against our forest grown by 1 and 2
workers (build/release/bin/bench_forest). Each configuration runs --repeat times on each side,
alternating; medians (min-max) of the fit time are compared, with test accuracy beside them.
Fit time: ours includes binning the features; scikit-learn's is fit().

usage: tests/bench/bench_forest.py [--build build/release] [--repeat 3] [--rows 20000]
                                   [--trees 100] [--workers 1 2]
Needs Debian's python3-sklearn (packaging/install-deps.sh --bench).
"""
import argparse
import gzip
import json
import pathlib
import statistics
import subprocess
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier

DATA = pathlib.Path("/usr/share/datasets/fashion-mnist")


def load(images, labels, rows):
    with gzip.open(DATA / images) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:rows]
    with gzip.open(DATA / labels) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:rows]
    return x.astype(np.float32) / 255, y


def sklearn_fit(x, y, xt, yt, trees, jobs, seed):
    model = RandomForestClassifier(n_estimators=trees, max_features="sqrt", n_jobs=jobs,
                                   random_state=seed)
    start = time.perf_counter()
    model.fit(x, y)
    seconds = time.perf_counter() - start
    return seconds, model.score(xt, yt)


def ours_fit(build, rows, trees, workers, seed):
    out = subprocess.run([str(build / "bin" / "bench_forest"), "--rows", str(rows), "--trees",
                          str(trees), "--workers", str(workers), "--seed", str(seed)],
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["fit_seconds"], result["accuracy"]


def spread(values, fmt):
    return f"{fmt % statistics.median(values)} ({fmt % min(values)}-{fmt % max(values)})"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build/release", type=pathlib.Path)
    parser.add_argument("--repeat", default=3, type=int)
    parser.add_argument("--rows", default=20000, type=int)
    parser.add_argument("--trees", default=100, type=int)
    parser.add_argument("--workers", default=[1, 2], type=int, nargs="+")
    args = parser.parse_args()
    x, y = load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", args.rows)
    xt, yt = load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000)
    print(f"random forest, {args.trees} trees, sqrt features, {args.rows} Fashion-MNIST rows; "
          f"load average {open('/proc/loadavg').read().split()[0]}")
    print("| workers / n_jobs | TrainStudio fit s | scikit-learn fit s | speed ratio | "
          "accuracy ours / scikit-learn |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for workers in args.workers:
        ours, theirs, ours_acc, their_acc = [], [], [], []
        for r in range(args.repeat):
            s, a = ours_fit(args.build, args.rows, args.trees, workers, r)
            ours.append(s)
            ours_acc.append(a)
            s, a = sklearn_fit(x, y, xt, yt, args.trees, workers, r)
            theirs.append(s)
            their_acc.append(a)
        ratio = statistics.median(theirs) / statistics.median(ours)
        print(f"| {workers} | {spread(ours, '%.2f')} | {spread(theirs, '%.2f')} | "
              f"**{ratio:.2f}x** | {statistics.median(ours_acc):.4f} / "
              f"{statistics.median(their_acc):.4f} |", flush=True)


if __name__ == "__main__":
    main()
