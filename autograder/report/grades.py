"""Totals per student, with the parts kept apart as nbgrader's gradebook keeps them.

    code      auto scores of code exercises (checks)
    rubric    auto scores of pen-and-paper exercises (rubric criteria)
    overrides what TA overrides changed, + or - (the auto score stays visible beside it)
    raw       code + rubric + overrides, weighted by assignment.yaml's ``grading``
    penalty   the late policy's deduction, a fraction of raw
    final     raw - penalty

Only exercises some result of the batch holds count (a batch graded for the code
exercises only is out of their points, and the report says which were not graded).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..results import ExerciseResult, SubmissionResult
from .policy import Lateness, Policy


@dataclass(frozen=True)
class Column:
    """One exercise as the exports show it."""
    id: str
    title: str
    kind: str
    max_score: float      # unweighted, as graded
    weight: float         # weight * scale: points in the total per point of the exercise


@dataclass
class Grade:
    student: str
    scores: dict[str, float]          # exercise id -> score after overrides (unweighted)
    auto: dict[str, float]            # exercise id -> auto score (unweighted)
    code: float
    rubric: float
    overrides: float
    max_score: float
    lateness: Lateness
    review: list[str] = field(default_factory=list)     # exercises a TA still has to look at
    absent: list[str] = field(default_factory=list)     # graded for others, not in this result
    overridden: list[str] = field(default_factory=list) # exercises a TA override decided
    seconds: float = 0.0

    @property
    def raw(self) -> float:
        return round(self.code + self.rubric + self.overrides, 4)

    @property
    def penalty(self) -> float:
        return round(self.raw * self.lateness.fraction, 4)

    @property
    def final(self) -> float:
        return round(self.raw - self.penalty, 4)

    @property
    def submitted_at(self) -> datetime | None:
        return self.lateness.submitted_at


def auto_score(ex: ExerciseResult) -> float:
    """The score before any TA override (kept inside the override by overrides.apply)."""
    auto = (ex.override or {}).get("auto") if ex.override else None
    if isinstance(auto, dict) and "score" in auto:
        return float(auto["score"])
    if ex.override and "auto_score" in ex.override:
        return float(ex.override["auto_score"])
    return float(ex.score)


def columns(results: list[SubmissionResult], order: list[str], policy: Policy,
            assignment=None) -> list[Column]:
    seen: dict[str, ExerciseResult] = {}
    maxima: dict[str, float] = {}
    for r in results:
        for ex in r.exercises:
            seen.setdefault(ex.id, ex)
            maxima[ex.id] = max(maxima.get(ex.id, 0.0), ex.max_score)
    ids = [e for e in order if e in seen] + [e for e in seen if e not in order]
    known = assignment.exercises if assignment is not None else {}
    cols = []
    for ex_id in ids:
        ex = seen[ex_id]
        title = known[ex_id].title if ex_id in known else ex.title
        cols.append(Column(ex_id, title, ex.kind, maxima[ex_id], policy.weight(ex_id, ex.kind)))
    total = sum(c.max_score * c.weight for c in cols)
    if policy.points and total > 0:
        scale = policy.points / total
        cols = [Column(c.id, c.title, c.kind, c.max_score, c.weight * scale) for c in cols]
    return cols


def grade_one(result: SubmissionResult, cols: list[Column], lateness: Lateness) -> Grade:
    by_id = {ex.id: ex for ex in result.exercises}
    parts = {"code": 0.0, "rubric": 0.0, "overrides": 0.0}
    scores, autos, review, absent, overridden = {}, {}, [], [], []
    for col in cols:
        ex = by_id.get(col.id)
        if ex is None:
            absent.append(col.id)
            scores[col.id] = autos[col.id] = 0.0
            continue
        auto = auto_score(ex)
        scores[col.id], autos[col.id] = float(ex.score), auto
        parts["rubric" if col.kind == "rubric" else "code"] += auto * col.weight
        parts["overrides"] += (ex.score - auto) * col.weight
        if ex.review and ex.review.get("needed"):
            review.append(col.id)
        if ex.override:
            overridden.append(col.id)
    return Grade(student=result.submission, scores=scores, auto=autos,
                 code=round(parts["code"], 4), rubric=round(parts["rubric"], 4),
                 overrides=round(parts["overrides"], 4),
                 max_score=round(sum(c.max_score * c.weight for c in cols), 4),
                 lateness=lateness, review=review, absent=absent, overridden=overridden,
                 seconds=result.seconds)


def grade_all(results: list[SubmissionResult], cols: list[Column], policy: Policy,
              times: dict[str, tuple[datetime, str]] | None = None) -> list[Grade]:
    times = times or {}
    grades = []
    for r in results:
        when, source = times.get(r.submission, (None, ""))
        if policy.late is not None:
            lateness = policy.late.assess(r.submission, when, source)
        else:
            lateness = Lateness(when, None, source)
        grades.append(grade_one(r, cols, lateness))
    return grades
