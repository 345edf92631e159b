"""Finding submissions: one folder is one student, a folder of folders is a batch."""
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


def expand(paths, assignment: Assignment) -> list[Path]:
    """Submission folders named by ``paths``: each a submission or a batch of them."""
    found = []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"no such submission or folder: {p}")
        if is_submission(p, assignment):
            found.append(p)
        else:
            found.extend(sorted(c for c in p.iterdir() if c.is_dir() and not c.name.startswith(".")))
    return found
