#!/usr/bin/python3
"""CSV parsing benchmark: TrainStudio's CSV reader vs pandas.read_csv, same file, one run.

Writes a numeric CSV of about --megabytes MB (10 float feature columns and an integer label,
6 significant digits, seeded), then reads it --repeat times with each side, alternating, and
prints the median rows/s, MB/s and peak resident memory (/usr/bin/time -v) of both and the
ratio. pandas runs in its default configuration (the C engine) and materialises the same table
(all columns to numpy arrays).

usage: tests/bench/bench_csv.py [--build build/release] [--megabytes 200] [--repeat 3]
Needs Debian's python3-pandas and time (packaging/install-deps.sh --bench).
"""
import argparse
import json
import os
import pathlib
import re
import statistics
import subprocess
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]

PANDAS = """
import json, sys, time
import pandas as pd
start = time.perf_counter()
frame = pd.read_csv(sys.argv[1])
values = frame.to_numpy(dtype="float32")
seconds = time.perf_counter() - start
print(json.dumps({"rows": len(frame), "seconds": seconds}))
"""


def write_csv(path, megabytes, seed=7):
    rng = np.random.default_rng(seed)
    rows_per_chunk = 100_000
    with open(path, "w") as f:
        f.write(",".join(f"x{i}" for i in range(10)) + ",label\n")
        while f.tell() < megabytes * 1_000_000:
            x = rng.normal(size=(rows_per_chunk, 10)) * 100
            y = rng.integers(0, 10, size=(rows_per_chunk, 1))
            block = np.hstack([x, y])
            np.savetxt(f, block, fmt=["%.6g"] * 10 + ["%d"], delimiter=",")


def timed(command):
    done = subprocess.run(["/usr/bin/time", "-v"] + command, check=True, capture_output=True,
                          text=True)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return json.loads(done.stdout), int(peak.group(1)) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(ROOT / "build/release"))
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "numeric.csv")
        write_csv(path, args.megabytes)
        size = os.path.getsize(path) / 1e6
        ours, theirs = [], []
        for _ in range(args.repeat):
            ours.append(timed([str(pathlib.Path(args.build) / "bin/bench_csv"), path]))
            theirs.append(timed(["/usr/bin/python3", "-c", PANDAS, path]))
        rows = ours[0][0]["rows"]
        assert rows == theirs[0][0]["rows"], "both sides must read the same rows"
        o = statistics.median(r[0]["seconds"] for r in ours)
        t = statistics.median(r[0]["seconds"] for r in theirs)
        print(f"# {size:.0f} MB, {rows:,} rows x 11 columns, median of {args.repeat} "
              f"(load average {os.getloadavg()[0]:.2f})")
        print(f"TrainStudio: {rows / o:,.0f} rows/s ({size / o:.0f} MB/s), peak "
              f"{statistics.median(r[1] for r in ours):.0f} MiB")
        print(f"pandas     : {rows / t:,.0f} rows/s ({size / t:.0f} MB/s), peak "
              f"{statistics.median(r[1] for r in theirs):.0f} MiB")
        print(f"ratio {t / o:.2f}x (target >= 1.00x): {'met' if t / o >= 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
