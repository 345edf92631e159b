"""``otter run`` against ``autograder grade`` on the same submissions, in one run.

    python benchmarks/bench_otter.py [-e ex11,ex13,ex15] [--copies 2]

The submissions are the three samples (alice: correct alternatives, bob: partial, carol:
the template), ``--copies`` times each. Measured, for the same exercises and checks:

1. ``otter run -a autograder.zip`` once per submission (what otter does for a batch: a
   fresh Jupyter kernel each, the submission run in the grader's process, no sandbox);
2. ``autograder grade`` on the whole batch at -j 1 (the zygote sandbox: every layer the
   machine allows, one uid, netns and mount namespace per submission);
3. the pure compute floor: ``grade(..., sandbox="local")`` in this process, torch
   already imported.

It checks that both give the same scores, and prints seconds per submission and the
ratios. Nothing here is asserted in tests (shared, noisy machines).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder import otterbridge
from autograder.assignment import Assignment
from autograder.commands import otter as cmd
from autograder.runner import grade

ROOT = Path(__file__).resolve().parents[1]
SEED = 7


def expected(result) -> dict[str, float]:
    return {e.id: otterbridge.otter_score(e) for e in result.exercises}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-e", "--exercises", default="ex11,ex13,ex15")
    ap.add_argument("--copies", type=int, default=2)
    args = ap.parse_args()
    a = Assignment.load(ROOT / "assignments" / "ch30")
    exercises = a.with_dependencies(args.exercises.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        batch = tmp / "batch"
        for i in range(args.copies):
            for who in ("alice", "bob", "carol"):
                shutil.copytree(ROOT / "samples" / who, batch / f"{who}{i}")
        subs = sorted(batch.iterdir())
        zipped = cmd.build_zip(a, tmp / "autograder.zip", seed=SEED, exercises=exercises)

        t0 = time.perf_counter()
        otter_scores = {}
        for s in subs:
            packed = cmd.pack(a, s, tmp / "packed" / f"{s.name}.zip")
            out = tmp / "otter-out" / s.name
            out.mkdir(parents=True)
            subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zipped), "-o",
                            str(out), "--no-logo", str(packed)], check=True,
                           capture_output=True)
            tests = json.loads((out / "results.json").read_text())["tests"]
            otter_scores[s.name] = {t["name"]: t["score"] for t in tests if "score" in t}
        t_otter = time.perf_counter() - t0

        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "autograder.cli", "grade", str(batch), "-o",
                        str(tmp / "results"), *[x for e in exercises for x in ("-e", e)],
                        "-j", "1", "--seed", str(SEED)], check=True, capture_output=True)
        t_grade = time.perf_counter() - t0

        t0 = time.perf_counter()
        floor = {s.name: expected(grade(s, a, exercises=exercises, sandbox="local", seed=SEED))
                 for s in subs}
        t_floor = time.perf_counter() - t0

    same = all(otter_scores[k] == floor[k] for k in floor)
    n = len(subs)
    print(f"{n} submissions, exercises {', '.join(exercises)}; otter and autograder scores "
          f"{'agree' if same else 'DIFFER'}")
    for name, seconds in [("otter run (a kernel per submission, no sandbox)", t_otter),
                          ("autograder grade -j 1 (zygote sandbox, all layers)", t_grade),
                          ("in-process floor (torch imported, no isolation)", t_floor)]:
        print(f"  {name:52s} {seconds / n:6.2f} s/submission  {seconds / t_floor:5.1f}x floor")
    print(f"  otter run / autograder grade: {t_otter / t_grade:.2f}x")
    if not same:
        for k in floor:
            if otter_scores[k] != floor[k]:
                print(f"  {k}: otter {otter_scores[k]} vs autograder {floor[k]}")


if __name__ == "__main__":
    main()
