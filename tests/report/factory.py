"""Synthetic result documents (schema 1) shaped like Chapter 30's, for report tests and
the benchmark: code exercises with public and hidden checks, rubric exercises with
review flags, every status, failure messages with numbers in them, grading times.

``batch(n, seed)`` is deterministic. ``hostile`` ids and messages carry HTML, markup,
formulas and control characters, to prove they stay text.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

from autograder.assignment import Assignment
from autograder.report.safe import file_stem
from autograder.results import CheckResult, ExerciseResult, SubmissionResult

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "ch30"

HOSTILE_ID = '<script>alert("id")</script>=HYPERLINK("http://x")[bold]'
HOSTILE_MESSAGE = ('<img src=x onerror=alert(1)> =cmd|"/c calc"!A1 [red]markup[/red] '
                   '\x1b[31mANSI\x1b[0m ```fence``` **bold** | pipe')

MESSAGES = {
    "failed": ["loss on an asymmetric batch was {a:.3f}; a symmetric InfoNCE gives {b:.3f}: "
               "average both directions",
               "output shape ({n}, {m}) but expected ({m}, {n}): check the transpose",
               "values differ by up to {a:.2e} (tolerance 1e-4)"],
    "error": ["RuntimeError: mat1 and mat2 shapes cannot be multiplied ({n}x{m} and {m}x{n})",
              "TypeError: forward() takes 2 positional arguments but {n} were given"],
    "timeout": ["did not finish within {n} s"],
    "missing": ["no {f} in the submission"],
    "blocked": ["blocked: {f} failed first"],
    "rubric": ["no mention of why the sequence length grows ({n} patches per side): "
               "full credit names the patch grid",
               "found 'tokens' but not the count {m}: full credit gives the number",
               "the answer says the opposite of the key idea (negated near 'shared space')"],
}


def spec(assignment: Assignment | None = None) -> list[tuple]:
    """(id, title, kind, [(check id, points, hidden)]) for every exercise of ch30."""
    a = assignment or Assignment.load(ASSIGNMENT)
    out = []
    for ex in a.exercises.values():
        if ex.kind == "rubric":
            parts = [1.0] * int(ex.points)
            names = [f"{ex.id}.crit{i}" for i in range(1, len(parts) + 1)]
            hidden = [False] * len(parts)
        else:
            n = 4 if ex.points >= 6 else 3
            parts = [ex.points // n] * n
            parts[-1] += ex.points - sum(parts)
            names = [f"{ex.id}.check{i}" for i in range(1, n + 1)]
            hidden = [i >= n // 2 for i in range(n)]        # the second half hidden
        out.append((ex.id, ex.title, ex.kind, list(zip(names, parts, hidden))))
    return out


def _message(status: str, rnd: random.Random, file: str) -> str:
    template = rnd.choice(MESSAGES[status])
    return template.format(a=rnd.uniform(0, 2), b=rnd.uniform(0, 2), n=rnd.randint(2, 9),
                           m=rnd.randint(10, 64), f=file)


def result(student: str, rnd: random.Random, exercises=None, skill: float | None = None,
           rubric: bool = True) -> SubmissionResult:
    exercises = exercises or spec()
    skill = rnd.betavariate(4, 2) if skill is None else skill
    r = SubmissionResult(submission=student, assignment="ch30", assignment_version="2026.11-1",
                         seed=rnd.getrandbits(32), sandbox={"uid_drop": True, "no_network": True,
                                                             "mount_ns": rnd.random() > 0.05})
    for ex_id, title, kind, checks in exercises:
        if kind == "rubric" and not rubric:
            continue
        results = []
        for cid, points, hidden in checks:
            roll = rnd.random()
            if roll < skill:
                status, score = "passed", points
            else:
                status = rnd.choices(["failed", "error", "timeout", "missing", "blocked"],
                                     [70, 12, 3, 10, 5])[0] if kind == "code" else "failed"
                score = 0.0 if kind == "code" else rnd.choice([0.0, 0.5]) * points
            message = "" if status == "passed" else \
                _message("rubric" if kind == "rubric" else status, rnd, f"{ex_id}.py")
            results.append(CheckResult(id=cid, score=score, max_score=points, hidden=hidden,
                                       status=status, message=message,
                                       seconds=round(rnd.uniform(0.01, 0.4), 3)))
        ex = ExerciseResult.from_checks(ex_id, title, kind, results)
        if kind == "rubric":
            confidence = round(rnd.uniform(0.3, 1.0), 2)
            ex.review = {"needed": confidence < 0.45, "confidence": confidence,
                         "reason": "confident" if confidence >= 0.45 else "few key terms"}
        r.exercises.append(ex)
    r.seconds = round(sum(c.seconds for c in r.checks()) + rnd.uniform(0.2, 1.0), 3)
    return r


def batch(n: int, seed: int = 0, rubric: bool = True) -> list[SubmissionResult]:
    rnd = random.Random(seed)
    exercises = spec()
    return [result(f"student{i:04d}", rnd, exercises, rubric=rubric) for i in range(n)]


def with_override(r: SubmissionResult, exercise: str, score: float, by: str = "ta-bob",
                  comment: str = "said it in other words") -> SubmissionResult:
    """``r`` with a whole-exercise TA override, written as overrides.apply writes it."""
    for ex in r.exercises:
        if ex.id == exercise:
            auto = {"score": ex.score, "review": ex.review, "checks": {}}
            ex.score = score
            ex.override = {"score": score, "by": by, "comment": comment,
                           "at": "2026-12-02T10:00:00+00:00", "auto": auto}
            if ex.review:
                ex.review = {**ex.review, "needed": False, "resolved_by": by}
    return r


CET = timezone(timedelta(hours=1))
DEADLINE = datetime(2026, 12, 1, 23, 59, tzinfo=CET)


def small_result(name: str = "ann", override: float | None = None) -> SubmissionResult:
    """ex01 (rubric, 2 of 3, flagged for review; ``override`` replaces its score) and
    ex11 (code, 4 of 6, one hidden check half passed)."""
    code = ExerciseResult.from_checks("ex11", "Patchify", "code", [
        CheckResult("ex11.a", 2.0, 2.0, False, "passed"),
        CheckResult("ex11.b", 2.0, 4.0, True, "failed", "half")])
    rubric = ExerciseResult.from_checks("ex01", "Why", "rubric", [
        CheckResult("ex01.x", 1.0, 1.0, False, "passed"),
        CheckResult("ex01.y", 1.0, 2.0, False, "failed", "partly")])
    rubric.review = {"needed": True, "confidence": 0.4, "reason": "unsure"}
    if override is not None:
        rubric.override = {"score": override, "by": "ta", "comment": "",
                           "auto": {"score": rubric.score, "review": rubric.review, "checks": {}}}
        rubric.score = override
        rubric.review = {**rubric.review, "needed": False}
    return SubmissionResult(submission=name, exercises=[rubric, code], seconds=1.5)


def write(results: list[SubmissionResult], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for r in results:
        (folder / f"{file_stem(r.submission)}.json").write_text(r.to_json(), encoding="utf-8")
    return folder
