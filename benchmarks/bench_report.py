"""The instructor report for a big batch: 1,000 synthetic results, end to end.

    python benchmarks/bench_report.py [--students 1000] [--repeats 3] [--no-similarity]

Writes ``results/<student>.json`` documents shaped like Chapter 30's (every exercise,
public and hidden checks, rubric answers with review flags, every status; from
tests/report/factory.py) and a gradebook.db with TA overrides, plus one ex13 and one
ex15 file per student (independent solutions from tests/report/files/submissions/,
names changed, lines added; one pair of students shares a rarer solution) for the
similarity finder; then times
``autograder.report.main`` building everything (HTML report, both CSVs, 1,000
Gradescope results.json, 2,000 feedback files, similarity). Reports the median wall
time and each stage's share. Never asserted in tests: machines are shared and noisy.
"""
from __future__ import annotations

import argparse
import importlib.util
import io
import random
import statistics
import tempfile
import time
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "tests" / "report" / "files" / "submissions"


# A solution nobody else writes, handed in by student0000 and, renamed, by student0001:
# the one pair the finder should list among 1,000.
PLANTED = """import torch


def clip_logits(image_emb, text_emb, temperature=0.07):
    rows = []
    for vec in image_emb:
        unit = vec / vec.pow(2).sum().sqrt()
        sims = [unit.dot(t / t.pow(2).sum().sqrt()) for t in text_emb]
        rows.append(torch.stack(sims) / temperature)
    table = torch.stack(rows)
    return table, table.t()


def clip_loss(image_emb, text_emb, temperature=0.07):
    table, flipped = clip_logits(image_emb, text_emb, temperature)
    total = 0.0
    for i in range(table.shape[0]):
        total = total - table[i].log_softmax(0)[i] - flipped[i].log_softmax(0)[i]
    return total / (2 * table.shape[0])
"""


def _factory():
    spec = importlib.util.spec_from_file_location("report_factory",
                                                  ROOT / "tests" / "report" / "factory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def disguise(source: str, rnd: random.Random) -> str:
    """``source`` with its own names changed and a helper function added."""
    from autograder.report.similarity import own_names

    names = {n: f"{n[:2]}_{rnd.randrange(10_000)}" for n in own_names(source)
             if not n.startswith(("clip_", "Projector", "projector_", "forward", "__init__"))}
    out = [t._replace(string=names.get(t.string, t.string)) if t.type == tokenize.NAME else t
           for t in tokenize.generate_tokens(io.StringIO(source).readline)]
    extra = rnd.randrange(1000)
    return tokenize.untokenize(out) + (f"\n\ndef helper_{extra}(values):\n"
                                       f"    total = {extra}\n    for v in values:\n"
                                       f"        total = total * {rnd.randrange(2, 9)} + v\n"
                                       "    return total\n")


def prepare(folder: Path, n: int, seed: int = 0) -> tuple[Path, Path]:
    from autograder import overrides
    from autograder.gradebook import Gradebook

    f = _factory()
    results = f.batch(n, seed)
    out = f.write(results, folder / "results")
    book = Gradebook(out / "gradebook.db")
    for r in results:
        book.record(r, None, out / f"{r.submission}.json")
    book.close()
    for r in results[: n // 20]:
        overrides.set_override(out / "gradebook.db", r.submission, "ex03", None, 3.0, "ta-bench")
    rnd = random.Random(seed)
    planted = {results[0].submission: PLANTED, results[1].submission: disguise(PLANTED, rnd)}
    bases = {name: sorted(p.name for p in (FILES / name).glob("ex*.py"))
             for name in ("ben", "chen", "dara", "eli")}
    subs = folder / "submissions"
    for r in results:
        base = rnd.choice(sorted(bases))
        (subs / r.submission).mkdir(parents=True)
        for file in bases[base]:
            text = (FILES / base / file).read_text()
            if file.startswith("ex13") and r.submission in planted:
                text = planted[r.submission]
            (subs / r.submission / file).write_text(disguise(text, rnd))
    return out, subs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-similarity", action="store_true")
    args = ap.parse_args(argv)

    from autograder.assignment import Assignment
    from autograder.report import main as build

    assignment = Assignment.load(ROOT / "assignments" / "ch30")
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        t0 = time.perf_counter()
        results, subs = prepare(Path(tmp), args.students)
        print(f"prepared {args.students} results and submissions in "
              f"{time.perf_counter() - t0:.1f} s")
        walls, stages = [], []
        for i in range(args.repeats):
            t0 = time.perf_counter()
            summary = build(results_dir=results, output=Path(tmp) / f"report{i}",
                            assignment=assignment,
                            submissions=None if args.no_similarity else subs)
            walls.append(time.perf_counter() - t0)
            stages.append(summary.seconds)
        wall = statistics.median(walls)
        page = (Path(tmp) / "report0" / "index.html").stat().st_size
    print(f"report for {summary.students} results, median of {args.repeats}: {wall:.2f} s "
          f"(index.html {page / 1e6:.1f} MB, {len(summary.pairs)} similar pairs listed)")
    for stage in stages[0]:
        seconds = statistics.median(s[stage] for s in stages)
        print(f"  {stage:20s} {seconds:6.2f} s  {seconds / wall:5.0%}")


if __name__ == "__main__":
    main()
