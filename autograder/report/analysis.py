"""What a batch of results says about the assignment: item analysis, failures, timing.

Item analysis is the classical one: each check's pass rate (difficulty) and its
discrimination, the correlation between passing it and the rest of the score (a
check that strong students fail as often as weak ones is suspect: a wrong expected
value, a flaky input, a contract students read differently).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from ..results import SubmissionResult

MAX_INCIDENTS = 200
MAX_GROUPS = 5
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_QUOTED = re.compile(r"'[^'\n]{0,80}'|\"[^\"\n]{0,80}\"")


@dataclass
class MessageGroup:
    pattern: str          # the message with numbers as '#'
    example: str          # one message as it was
    count: int
    students: list[str]   # a few of them


@dataclass
class CheckStat:
    id: str
    exercise: str
    kind: str
    hidden: bool
    max_score: float
    n: int = 0
    passed: int = 0
    score: float = 0.0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    groups: list[MessageGroup] = field(default_factory=list)
    discrimination: float | None = None

    @property
    def pass_rate(self) -> float:
        return self.passed / self.n if self.n else 0.0

    @property
    def not_passed(self) -> int:
        return self.n - self.passed

    @property
    def mean_seconds(self) -> float:
        return self.seconds / self.n if self.n else 0.0


@dataclass
class Incident:
    student: str
    check: str
    status: str
    message: str


@dataclass
class Analysis:
    checks: list[CheckStat]
    most_failed: list[CheckStat]
    rubric_missed: list[CheckStat]
    review: dict[str, int]                    # exercise -> answers still flagged for review
    incidents: list[Incident]                 # errors and timeouts (the first MAX_INCIDENTS)
    incident_counts: Counter                  # status -> count
    sandbox_missing: Counter                  # layer -> submissions graded without it
    seconds: list[float]                      # grading time per submission
    slowest: list[tuple[str, float]]
    slow_checks: list[CheckStat]
    fractions: dict[str, list[float]]         # exercise -> score / max per student


def pattern(message: str) -> str:
    text = _QUOTED.sub("'…'", message)
    return " ".join(_NUMBER.sub("#", text).split())[:300]


def analyse(results: list[SubmissionResult], order: list[str], top: int = 15) -> Analysis:
    stats: dict[str, CheckStat] = {}
    messages: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    incidents, incident_counts, missing_layers = [], Counter(), Counter()
    review: Counter = Counter()
    fractions: dict[str, list[float]] = defaultdict(list)
    for r in results:
        for layer, on in (r.sandbox or {}).items():
            if not on:
                missing_layers[layer] += 1
        for ex in r.exercises:
            fractions[ex.id].append(ex.score / ex.max_score if ex.max_score else 0.0)
            if ex.review and ex.review.get("needed"):
                review[ex.id] += 1
            for c in ex.checks:
                s = stats.get(c.id)
                if s is None:
                    s = stats[c.id] = CheckStat(c.id, ex.id, ex.kind, c.hidden, c.max_score)
                s.n += 1
                s.passed += c.status == "passed"
                s.score += c.score
                s.seconds += c.seconds
                s.statuses[c.status] += 1
                if c.status != "passed":
                    messages[c.id][pattern(c.message)].append((r.submission, c.message))
                if c.status in ("error", "timeout"):
                    incident_counts[c.status] += 1
                    if len(incidents) < MAX_INCIDENTS:
                        incidents.append(Incident(r.submission, c.id, c.status, c.message))
    rank = {e: i for i, e in enumerate(order)}
    checks = sorted(stats.values(), key=lambda s: (rank.get(s.exercise, len(rank)), s.exercise))
    for s in checks:
        groups = sorted(messages[s.id].items(), key=lambda kv: -len(kv[1]))[:MAX_GROUPS]
        s.groups = [MessageGroup(p, items[0][1], len(items), [who for who, _ in items[:5]])
                    for p, items in groups]
    _discrimination(results, checks)
    code = [s for s in checks if s.kind != "rubric" and s.not_passed]
    rubric = [s for s in checks if s.kind == "rubric" and s.not_passed]
    seconds = [r.seconds for r in results]
    slowest = sorted(((r.submission, r.seconds) for r in results), key=lambda t: -t[1])[:10]
    return Analysis(
        checks=checks,
        most_failed=sorted(code, key=lambda s: (-s.not_passed, s.id))[:top],
        rubric_missed=sorted(rubric, key=lambda s: (s.pass_rate, s.id))[:top],
        review={e: review[e] for e in sorted(review, key=lambda e: rank.get(e, len(rank)))},
        incidents=incidents, incident_counts=incident_counts, sandbox_missing=missing_layers,
        seconds=seconds, slowest=slowest,
        slow_checks=sorted(checks, key=lambda s: -s.mean_seconds)[:10],
        fractions={e: fractions[e]
                   for e in sorted(fractions, key=lambda e: rank.get(e, len(rank)))})


def _discrimination(results: list[SubmissionResult], checks: list[CheckStat]) -> None:
    """Corrected item-total correlation of every check (None where undefined)."""
    if len(results) < 3 or not checks:
        return
    col = {s.id: j for j, s in enumerate(checks)}
    m = np.zeros((len(results), len(checks)))
    for i, r in enumerate(results):
        for c in r.checks():
            j = col.get(c.id)
            if j is not None:
                m[i, j] = c.score
    total = m.sum(axis=1)
    for j, s in enumerate(checks):
        item, rest = m[:, j], total - m[:, j]
        if item.std() < 1e-12 or rest.std() < 1e-12:
            continue
        s.discrimination = float(np.corrcoef(item, rest)[0, 1])
