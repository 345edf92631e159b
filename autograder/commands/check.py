"""``autograder check``: the student's self-check, public checks only, in-process."""
from __future__ import annotations

from pathlib import Path

from ..assignment import Assignment
from ..results import SubmissionResult
from ..runner import grade


def main(*, directory: Path, exercises=None, assignment: Assignment,
         sandbox: str = "local", seed: int | None = None) -> SubmissionResult:
    return grade(directory, assignment, exercises=exercises, hidden=False, sandbox=sandbox,
                 seed=seed, name=Path(directory).resolve().name)
