"""What the sandbox costs, side by side, in one run.

    python benchmarks/bench_sandbox.py [-e ex11 ...] [--copies 8] [--repeats 3]

1. Per submission: grading the reference in-process with torch already imported (the
   pure compute floor), forked from the zygote with every isolation layer, and in a
   fresh interpreter; the overhead of each over the floor.
2. Batch throughput: ``--copies`` copies of the reference graded at -j 1 and -j 2
   (each slot a process with its own zygote), as submissions per minute and speed-up,
   with the peak resident memory of one slot (slot process + zygote + child), sampled.
Numbers go to stdout; nothing here is asserted in tests (shared, noisy machines).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psutil

from autograder.assignment import Assignment
from autograder.commands import grade as batch
from autograder.runner import grade
from autograder.sandbox.client import Zygote

ROOT = Path(__file__).resolve().parents[1]


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


class PeakSlotMemory:
    """Samples the resident memory of each slot's process tree (bytes, peak)."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self):
        me = psutil.Process()

        def sample():
            while not self._stop.wait(0.1):
                try:
                    for slot in me.children():
                        tree = [slot, *slot.children(recursive=True)]
                        self.peak = max(self.peak, sum(p.memory_info().rss for p in tree
                                                       if p.is_running()))
                except psutil.Error:
                    pass

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-e", "--exercise", action="append", default=None)
    ap.add_argument("--copies", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)  # as the CLI does; the children use one thread each too
    a = Assignment.load(ROOT / "assignments" / "ch30")
    ref, ex = ROOT / "reference", args.exercise

    grade(ref, a, exercises=ex, sandbox="local")  # warm: imports, kit weights, caches
    floor = median_time(lambda: grade(ref, a, exercises=ex, sandbox="local"), args.repeats)
    zygote = Zygote()
    try:
        grade(ref, a, exercises=ex, sandbox="sandbox", zygote=zygote)
        sandboxed = median_time(lambda: grade(ref, a, exercises=ex, sandbox="sandbox",
                                              zygote=zygote), args.repeats)
    finally:
        zygote.close()
    fresh = median_time(lambda: grade(ref, a, exercises=ex, sandbox="process"), args.repeats)

    names = ", ".join(ex or [e.id for e in a.select(kind="code")])
    print(f"one submission (the reference; {names}), median of {args.repeats}:")
    print(f"  in-process floor      {floor:7.3f} s")
    print(f"  zygote sandbox        {sandboxed:7.3f} s   overhead {sandboxed - floor:+.3f} s "
          f"({sandboxed / floor:.2f}x)")
    print(f"  fresh interpreter     {fresh:7.3f} s   overhead {fresh - floor:+.3f} s "
          f"({fresh / floor:.2f}x)")

    tmp = Path(tempfile.mkdtemp())
    try:
        for i in range(args.copies):
            shutil.copytree(ref, tmp / "in" / f"student{i:03d}")
        rates = {}
        for jobs in (1, 2):
            out = tmp / f"out{jobs}"
            with PeakSlotMemory() as mem:
                t0 = time.perf_counter()
                batch.main(paths=[tmp / "in"], assignment=a, output=out, jobs=jobs,
                           options=batch.Options(exercises=ex))
                wall = time.perf_counter() - t0
            rates[jobs] = args.copies / wall * 60
            peak = f"{mem.peak / 2**20:.0f} MiB" if jobs > 1 else "(in the main process)"
            print(f"batch of {args.copies}, -j {jobs}: {wall:6.1f} s, {rates[jobs]:6.1f} "
                  f"submissions/min, peak per slot {peak}")
        print(f"  -j 2 speed-up over -j 1: {rates[2] / rates[1]:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
