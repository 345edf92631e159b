"""What counts as a submission folder: one folder is one student; a folder of
folders (and zips) is a batch (``commands.grade.collect``)."""
from __future__ import annotations

from pathlib import Path

from .assignment import Assignment


def is_submission(path: Path, assignment: Assignment) -> bool:
    """A folder holding any exercise file or answers.md (or nothing: an empty submission)."""
    if not path.is_dir():
        return False
    names = {e.file for e in assignment.exercises.values() if e.file} | {"answers.md"}
    entries = list(path.iterdir())
    return any(p.name in names for p in entries) or not any(p.is_dir() for p in entries)
