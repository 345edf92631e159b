"""``autograder grade``: every check, hidden ones too, each submission in a worker."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from ..assignment import Assignment
from ..results import SubmissionResult
from ..runner import grade
from ..submissions import expand


def main(*, paths, assignment: Assignment, exercises=None, output: Path | None = None,
         seed: int | None = None, hidden: bool = True,
         on_result: Callable[[SubmissionResult], None] | None = None) -> list[SubmissionResult]:
    """Grade each submission ``paths`` names; write ``output/<student>.json`` if given."""
    results = []
    for sub_dir in expand(paths, assignment):
        result = grade(sub_dir, assignment, exercises=exercises, seed=seed, hidden=hidden)
        if output is not None:
            result.write(Path(output) / f"{result.submission}.json")
        if on_result:
            on_result(result)
        results.append(result)
    return results
