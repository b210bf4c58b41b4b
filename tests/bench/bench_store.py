#!/usr/bin/python3
"""Experiment store benchmark: metric ingest by TrainStudio's MetricWriter vs Python's sqlite3
executemany on the same rows into the same schema, and the chart query time. One run.

Ingest: 1,000,000 metric rows (4 workers x 5 metrics x 50,000 steps) into a fresh store whose
metrics table has its primary-key index (run, name, worker, step) in place. Ours: bench_store
ingest (MetricWriter with its default options: batches of 65,536 rows, each one transaction,
then flush). Python: a store made by bench_store schema (so the schema is byte for byte ours),
the same PRAGMAs (WAL, synchronous NORMAL), the rows built before the clock starts, then
executemany with INSERT ... ON CONFLICT DO NOTHING in its best configuration: one transaction for
all rows, or transactions of 10,000 rows (the baseline of notes/BENCHMARKING.md), whichever is
faster in this run. Alternating, --repeat times; medians (min-max) and the ratio.

Query: a 20,000-point metric downsampled to 2,000 points with LTTB, median of 50 queries
(bench_store query); target under 20 ms.

usage: tests/bench/bench_store.py [--build build/release] [--rows 1000000] [--repeat 3]
"""
import argparse
import json
import os
import pathlib
import sqlite3
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BATCH = 10_000  # rows per transaction of the batched Python configuration
NAMES = ["train_loss", "learning_rate", "samples_per_second", "grad_norm", "staleness"]


def rows(run, count):
    """The rows bench_store ingests, in the same order."""
    out = []
    i = 0
    while len(out) < count:
        for worker in range(4):
            for name in NAMES:
                if len(out) == count:
                    return out
                out.append((run, name, worker, i, 1.0 / (i + 1) + worker, 1.7e9 + i * 0.01))
        i += 1
    return out


def ours(binary, folder, count):
    path = os.path.join(folder, "ours.sqlite")
    done = subprocess.run([binary, "ingest", path, str(count)], check=True, capture_output=True,
                          text=True)
    os.remove(path)
    return json.loads(done.stdout)["seconds"]


def python(binary, folder, count, batch):
    path = os.path.join(folder, "python.sqlite")
    subprocess.run([binary, "schema", path], check=True)
    data = rows(1, count)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    sql = ("INSERT INTO metrics (run_id, name, worker, step, value, wall_time) "
           "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
    start = time.perf_counter()
    size = batch or len(data)
    for first in range(0, len(data), size):
        db.execute("BEGIN")
        db.executemany(sql, data[first:first + size])
        db.execute("COMMIT")
    seconds = time.perf_counter() - start
    stored = db.execute("SELECT count(*) FROM metrics").fetchone()[0]
    db.close()
    assert stored == count, f"python stored {stored} rows, not {count}"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return seconds


def spread(count, seconds):
    """Median rows/s (min-max) of the timings `seconds` of `count` rows each."""
    rates = sorted(count / s for s in seconds)
    return f"{statistics.median(rates):,.0f} rows/s ({rates[0]:,.0f}-{rates[-1]:,.0f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=str(ROOT / "build/release"))
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    binary = str(pathlib.Path(args.build) / "bin/bench_store")
    with tempfile.TemporaryDirectory() as folder:
        our, one, batched, loads = [], [], [], []
        for _ in range(args.repeat):
            # A shared machine: the load before each round shows whether it was quiet.
            loads.append(os.getloadavg()[0])
            our.append(ours(binary, folder, args.rows))
            one.append(python(binary, folder, args.rows, 0))
            batched.append(python(binary, folder, args.rows, BATCH))
        o = statistics.median(our)
        p_one, p_batched = statistics.median(one), statistics.median(batched)
        p = min(p_one, p_batched)
        print(f"# {args.rows:,} metric rows, median (min-max) of {args.repeat}, alternating "
              f"(load average before each round: {', '.join(f'{x:.2f}' for x in loads)}); "
              f"SQLite {sqlite3.sqlite_version}")
        print(f"TrainStudio MetricWriter : {spread(args.rows, our)}")
        print(f"Python executemany       : {spread(args.rows, one)} in one transaction")
        print(f"                           {spread(args.rows, batched)} in transactions of "
              f"{BATCH:,}")
        print(f"ratio {p / o:.2f}x against Python's best (target >= 1.00x): "
              f"{'met' if p / o >= 1 else 'MISSED'}")
        query = subprocess.run([binary, "query", os.path.join(folder, "query.sqlite"), "50"],
                               check=True, capture_output=True, text=True)
        q = json.loads(query.stdout)
        print(f"chart query: {q['points']:,} points -> {q['kept']:,} (LTTB) in "
              f"{q['median_ms']:.2f} ms median, {q['max_ms']:.2f} ms max of 50 "
              f"(target < 20 ms): {'met' if q['median_ms'] < 20 else 'MISSED'}")


if __name__ == "__main__":
    main()
