"""Grading the reference in-process against through the worker process, in one run.

    python benchmarks/bench_proxy.py [--repeats 3] [-e ex11 -e ex13]

Reports, per mode, the median wall time of grading the reference submission (all
checks, hidden included) and the ratio proxy / in-process; and the worker's start-up
alone (a fresh interpreter importing torch and the kit), which is most of the gap and
what the zygote of the sandbox issue removes. Never asserted in tests: machines are
shared and noisy.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from autograder.assignment import Assignment
from autograder.backends import ProcessBackend
from autograder.runner import grade

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def worker_startup():
    b = ProcessBackend(ROOT / "reference")
    b._ensure_started()
    b.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("-e", "--exercise", action="append", default=None)
    args = ap.parse_args(argv)
    a = Assignment.load(ROOT / "assignments" / "ch30")
    ref = ROOT / "reference"
    grade(ref, a, exercises=args.exercise, sandbox="local")  # warm imports and caches

    local = timed(lambda: grade(ref, a, exercises=args.exercise, sandbox="local"), args.repeats)
    proxy = timed(lambda: grade(ref, a, exercises=args.exercise, sandbox="process"), args.repeats)
    start = timed(worker_startup, args.repeats)
    exercises = ", ".join(args.exercise or [e.id for e in a.select(kind="code")])
    print(f"grading the reference ({exercises}), median of {args.repeats}:")
    print(f"  in-process          {local:7.3f} s   1.00x")
    print(f"  through the proxy   {proxy:7.3f} s   {proxy / local:5.2f}x")
    print(f"    of which worker start-up {start:6.3f} s")
    print(f"  proxy minus start-up {proxy - start:6.3f} s   {(proxy - start) / local:5.2f}x")


if __name__ == "__main__":
    main()
