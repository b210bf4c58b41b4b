#!/usr/bin/python3
"""CSV parsing benchmark: TrainStudio's CSV reader vs pandas.read_csv, same files, one run.

Writes two CSVs of about --megabytes MB each (seeded):
  numeric  10 float feature columns and an integer label, 6 significant digits
  typed    6 float columns, 2 text columns (50 and 8 categories), a timestamp and a text label
then reads each --repeat times with each side, alternating, and prints the median rows/s, MB/s
and peak resident memory (/usr/bin/time -v) of both and the ratio. pandas runs in its best
configuration for the work (the C engine; the typed table with dtype="category" for the text
columns and parse_dates for the time) and materialises the same table (features as a float32
matrix, categories as codes, times as int64).

A third case streams the typed file keeping a 1 % sample of its rows: ours with the pipeline's
"sample": {"fraction": 0.01}; pandas reading in chunks of 100,000 rows and sampling each chunk
(the memory-bounded way to sample a file larger than memory with pandas).

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
import numpy as np
import pandas as pd
kind = sys.argv[2]
start = time.perf_counter()
if kind == "numeric":
    frame = pd.read_csv(sys.argv[1])
    values = frame.to_numpy(dtype="float32")
    rows = len(frame)
elif kind == "typed":
    frame = pd.read_csv(sys.argv[1], dtype={"colour": "category", "size": "category",
                                            "label": "category"}, parse_dates=["day"])
    values = frame[[f"x{i}" for i in range(6)]].to_numpy(dtype="float32")
    codes = [frame[c].cat.codes.to_numpy() for c in ("colour", "size", "label")]
    times = frame["day"].to_numpy().astype("int64")
    rows = len(frame)
else:
    rows = 0
    for chunk in pd.read_csv(sys.argv[1], chunksize=100_000, dtype={"colour": "category",
                             "size": "category", "label": "category"}, parse_dates=["day"]):
        rows += len(chunk.sample(frac=0.01, random_state=1))
seconds = time.perf_counter() - start
print(json.dumps({"rows": rows, "seconds": seconds}))
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


def write_typed_csv(path, megabytes, seed=8):
    rng = np.random.default_rng(seed)
    colours = np.array([f"colour{i:02d}" for i in range(50)])
    sizes = np.array(["XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL"])
    labels = np.array(["boot", "sandal", "sneaker", "shirt", "coat"])
    rows_per_chunk = 100_000
    start = np.datetime64("2024-01-01T00:00:00")
    row = 0
    with open(path, "w") as f:
        f.write(",".join(f"x{i}" for i in range(6)) + ",colour,size,day,label\n")
        while f.tell() < megabytes * 1_000_000:
            x = rng.normal(size=(rows_per_chunk, 6)) * 100
            c = colours[rng.integers(0, 50, rows_per_chunk)]
            s = sizes[rng.integers(0, 8, rows_per_chunk)]
            days = (start + np.arange(row, row + rows_per_chunk) * np.timedelta64(37, "s"))
            days = np.datetime_as_string(days, unit="s")
            y = labels[rng.integers(0, 5, rows_per_chunk)]
            lines = [",".join(f"{v:.6g}" for v in x[k]) + f",{c[k]},{s[k]},"
                     + days[k].replace("T", " ") + f",{y[k]}" for k in range(rows_per_chunk)]
            f.write("\n".join(lines) + "\n")
            row += rows_per_chunk


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
        numeric = os.path.join(tmp, "numeric.csv")
        typed = os.path.join(tmp, "typed.csv")
        write_csv(numeric, args.megabytes)
        write_typed_csv(typed, args.megabytes)
        print(f"# median of {args.repeat}, alternating (load average {os.getloadavg()[0]:.2f})")
        compare(args, "numeric", numeric, [], "numeric", 11)
        compare(args, "typed", typed, [], "typed", 11)
        compare(args, "1 % sample of typed", typed, ["--fraction", "0.01"], "sample", 11)


def compare(args, title, path, our_options, pandas_kind, columns):
    size = os.path.getsize(path) / 1e6
    ours, theirs = [], []
    for _ in range(args.repeat):
        ours.append(timed([str(pathlib.Path(args.build) / "bin/bench_csv"), path] + our_options))
        theirs.append(timed(["/usr/bin/python3", "-c", PANDAS, path, pandas_kind]))
    kept, peer_kept = ours[0][0]["rows"], theirs[0][0]["rows"]
    if pandas_kind != "sample":
        assert kept == peer_kept, "both sides must read the same rows"
    o = statistics.median(r[0]["seconds"] for r in ours)
    t = statistics.median(r[0]["seconds"] for r in theirs)
    rows = sum(1 for _ in open(path)) - 1  # rows of the file: both sides parse every one
    print(f"## {title}: {size:.0f} MB, {rows:,} rows x {columns} columns, kept {kept:,} "
          f"(pandas {peer_kept:,})")
    print(f"TrainStudio: {rows / o:,.0f} rows/s ({size / o:.0f} MB/s), peak "
          f"{statistics.median(r[1] for r in ours):.0f} MiB")
    print(f"pandas     : {rows / t:,.0f} rows/s ({size / t:.0f} MB/s), peak "
          f"{statistics.median(r[1] for r in theirs):.0f} MiB")
    print(f"ratio {t / o:.2f}x (target >= 1.00x): {'met' if t / o >= 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
