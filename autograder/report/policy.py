"""What assignment.yaml says about turning scores into grades (all keys optional).

    grading:
      weights: {code: 1.0, rubric: 1.0, ex20: 2.0}   # per kind; an exercise id wins
      points: 100            # rescale the weighted total to this many points (default: none)
    late_policy:
      deadline: "2026-12-01T23:59:00+01:00"           # ISO 8601 with a timezone
      grace_minutes: 15       # submitted up to this long after the deadline: not late
      penalty_per_day: 0.10   # fraction of the raw score per started day late
      max_penalty: 0.50       # the penalty never exceeds this fraction (1.0: down to zero)
      extensions: {alice: "2026-12-03T23:59:00+01:00"}   # per student deadline
    canvas:
      assignment_id: 123456   # the Canvas assignment the CSV column imports into
      assignment_name: "Chapter 30: Multimodal LLMs"

No ``late_policy``: nothing is ever late. No ``grading``: every point counts once.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import yaml

from ..assignment import Assignment, AssignmentError

DAY = 86400.0


def parse_time(text, default_tz=None, where: str = "time") -> datetime:
    """ISO 8601 (``2026-12-01T23:59:00+01:00``, ``...Z``, ``2026-12-01 23:59``) or Unix
    seconds. A time without a zone is taken in ``default_tz`` (UTC if none)."""
    if isinstance(text, datetime):
        value = text
    elif isinstance(text, (int, float)) and not isinstance(text, bool):
        return datetime.fromtimestamp(float(text), timezone.utc)
    else:
        raw = str(text).strip()
        try:
            return datetime.fromtimestamp(float(raw), timezone.utc)
        except ValueError:
            pass
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(f"{where}: {raw!r} is not an ISO 8601 time "
                             "(e.g. 2026-12-01T23:59:00+01:00)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=default_tz or timezone.utc)
    return value


def _zoned(value) -> bool:
    """Whether a written time says its timezone (Unix seconds always do)."""
    if isinstance(value, datetime):
        return value.tzinfo is not None
    try:
        float(str(value))
        return True
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00")).tzinfo is not None
    except ValueError:
        return False


@dataclass(frozen=True)
class Lateness:
    submitted_at: datetime | None
    deadline: datetime | None
    source: str = ""              # where the time came from: csv, file, zip
    late_seconds: float = 0.0     # after the student's deadline (0 when on time)
    days: int = 0                 # started days late, beyond the grace period
    fraction: float = 0.0         # of the raw score deducted

    @property
    def is_late(self) -> bool:
        return self.days > 0


@dataclass(frozen=True)
class LatePolicy:
    deadline: datetime
    grace: timedelta = timedelta(0)
    penalty_per_day: float = 0.0
    max_penalty: float = 1.0
    extensions: dict = field(default_factory=dict)

    @classmethod
    def from_yaml(cls, data: dict, where: str = "late_policy") -> "LatePolicy":
        if not isinstance(data, dict) or "deadline" not in data:
            raise AssignmentError(f"{where}: expected a mapping with a 'deadline'")
        deadline = parse_time(data["deadline"], where=f"{where}.deadline")
        if not _zoned(data["deadline"]):
            raise AssignmentError(f"{where}.deadline: give a timezone, e.g. "
                                  f"{data['deadline']}+01:00 (a deadline is a moment)")

        def fraction(key, default):
            value = float(data.get(key, default))
            if not 0 <= value <= 1:
                raise AssignmentError(f"{where}.{key}: expected a fraction in [0, 1], got {value}")
            return value

        extensions = {str(k): parse_time(v, deadline.tzinfo, f"{where}.extensions.{k}")
                      for k, v in (data.get("extensions") or {}).items()}
        return cls(deadline=deadline, grace=timedelta(minutes=float(data.get("grace_minutes", 0))),
                   penalty_per_day=fraction("penalty_per_day", 0.0),
                   max_penalty=fraction("max_penalty", 1.0), extensions=extensions)

    def deadline_for(self, student: str) -> datetime:
        return self.extensions.get(student, self.deadline)

    def assess(self, student: str, submitted_at: datetime | None, source: str = "") -> Lateness:
        deadline = self.deadline_for(student)
        if submitted_at is None:
            return Lateness(None, deadline, source)
        late = (submitted_at - deadline).total_seconds()
        if late <= self.grace.total_seconds():
            return Lateness(submitted_at, deadline, source, max(late, 0.0))
        days = math.ceil(late / DAY)
        return Lateness(submitted_at, deadline, source, late, days,
                        min(days * self.penalty_per_day, self.max_penalty))


@dataclass(frozen=True)
class Policy:
    weights: dict = field(default_factory=dict)   # kind or exercise id -> weight
    points: float | None = None                   # rescale the total to this
    late: LatePolicy | None = None
    canvas_id: str = ""
    canvas_name: str = ""

    def weight(self, exercise_id: str, kind: str) -> float:
        if exercise_id in self.weights:
            return float(self.weights[exercise_id])
        return float(self.weights.get(kind, 1.0))

    @classmethod
    def from_yaml(cls, data: dict, default_name: str = "") -> "Policy":
        grading = data.get("grading") or {}
        weights = {str(k): float(v) for k, v in (grading.get("weights") or {}).items()}
        negative = [k for k, v in weights.items() if v < 0]
        if negative:
            raise AssignmentError(f"grading.weights: negative weight for {negative}")
        points = grading.get("points")
        late = LatePolicy.from_yaml(data["late_policy"]) if data.get("late_policy") else None
        canvas = data.get("canvas") or {}
        return cls(weights=weights, points=float(points) if points else None, late=late,
                   canvas_id=str(canvas.get("assignment_id", "") or ""),
                   canvas_name=str(canvas.get("assignment_name", "") or default_name))

    @classmethod
    def of(cls, assignment: Assignment | None) -> "Policy":
        if assignment is None:
            return cls()
        file = assignment.root / "assignment.yaml"
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        return cls.from_yaml(data, default_name=assignment.title)
