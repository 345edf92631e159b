"""The result document (schema 1): one submission's grade, check by check.

Objects here are plain data; they render themselves to JSON and are written
atomically, so a crash mid-write never leaves a half-written result behind.
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCHEMA = 1
STATUSES = ("passed", "failed", "error", "timeout", "blocked", "missing")


@dataclass
class CheckResult:
    id: str
    score: float
    max_score: float
    hidden: bool
    status: str
    message: str = ""
    seconds: float = 0.0

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")


@dataclass
class ExerciseResult:
    id: str
    title: str
    kind: str
    score: float
    max_score: float
    checks: list[CheckResult] = field(default_factory=list)
    review: dict | None = None
    override: dict | None = None

    @classmethod
    def from_checks(cls, id, title, kind, checks):
        return cls(id=id, title=title, kind=kind, checks=checks,
                   score=round(sum(c.score for c in checks), 4),
                   max_score=round(sum(c.max_score for c in checks), 4))


@dataclass
class SubmissionResult:
    submission: str
    exercises: list[ExerciseResult] = field(default_factory=list)
    sandbox: dict = field(default_factory=dict)
    assignment: str = ""
    assignment_version: str = ""
    seed: int | None = None
    seconds: float = 0.0
    output: str = ""
    content_hash: str = ""
    schema: int = SCHEMA

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 4)

    @property
    def max_score(self) -> float:
        return round(sum(e.max_score for e in self.exercises), 4)

    def checks(self):
        for ex in self.exercises:
            yield from ex.checks

    def to_dict(self) -> dict:
        d = {"schema": self.schema, "submission": self.submission, "score": self.score,
             "max_score": self.max_score}
        d.update({k: v for k, v in asdict(self).items() if k not in d})
        for ex in d["exercises"]:
            for key in ("review", "override"):
                if ex[key] is None:
                    del ex[key]
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: dict) -> "SubmissionResult":
        if d.get("schema") != SCHEMA:
            raise ValueError(f"result schema {d.get('schema')!r} is not {SCHEMA}")
        exercises = [
            ExerciseResult(**{**ex, "checks": [CheckResult(**c) for c in ex.get("checks", [])]})
            for ex in d.get("exercises", [])]
        fields = {k: d[k] for k in ("sandbox", "assignment", "assignment_version", "seed",
                                    "seconds", "output", "content_hash") if k in d}
        return cls(submission=d["submission"], exercises=exercises, **fields)

    @classmethod
    def from_json_file(cls, path: Path) -> "SubmissionResult":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    def write(self, path: Path) -> None:
        atomic_write(Path(path), self.to_json())


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and rename: all or nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with __import__("contextlib").suppress(OSError):
            os.unlink(tmp)
        raise
