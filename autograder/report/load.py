"""A results folder as the report reads it: ``<student>.json`` documents and gradebook.db.

The gradebook is opened read-only: a report never changes what it reports on. When it
holds an ``overrides`` table, that table is the truth about TA decisions (as
``autograder rubric`` keeps it) and is applied to each result; without one, the
overrides already written into the JSON stand.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from ..results import SubmissionResult

try:  # the TA-override module of the rubric work; the report works without it
    from .. import overrides as _overrides
except ImportError:  # pragma: no cover
    _overrides = None


@dataclass
class Batch:
    results: list[SubmissionResult]
    problems: list[str] = field(default_factory=list)   # files that could not be read
    no_result_file: list[str] = field(default_factory=list)  # in gradebook.db, no JSON
    overrides_applied: int = 0

    def exercise_ids(self, order=()) -> list[str]:
        """The exercises some result holds, in ``order`` (assignment order) first."""
        seen = dict.fromkeys(ex.id for r in self.results for ex in r.exercises)
        ordered = [e for e in order if e in seen]
        return ordered + [e for e in seen if e not in ordered]


def _read_only(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)


def _db_overrides(db_path: Path) -> list | None:
    """The stored overrides, or None when there is no overrides table."""
    if _overrides is None or not db_path.exists():
        return None
    con = _read_only(db_path)
    try:
        has = con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='overrides'"
                          ).fetchone()
        if not has:
            return None
        rows = con.execute('SELECT student, exercise, criterion, score, "by", comment, at '
                           "FROM overrides").fetchall()
    finally:
        con.close()
    return [_overrides.Override(*row) for row in rows]


def _db_students(db_path: Path) -> set[str]:
    if not db_path.exists():
        return set()
    con = _read_only(db_path)
    try:
        return {row[0] for row in con.execute("SELECT student FROM submissions")}
    except sqlite3.Error:
        return set()
    finally:
        con.close()


def load(results_dir: Path) -> Batch:
    results_dir = Path(results_dir)
    results, problems, seen = [], [], {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            result = SubmissionResult.from_json_file(path)
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as e:
            problems.append(f"{path.name}: not a result document ({type(e).__name__}: {e})")
            continue
        if result.submission in seen:
            problems.append(f"{path.name}: a second result for {result.submission!r} "
                            f"(first: {seen[result.submission]}); left out")
            continue
        seen[result.submission] = path.name
        results.append(result)
    results.sort(key=lambda r: r.submission)
    batch = Batch(results=results, problems=problems)
    db = results_dir / "gradebook.db"
    try:
        stored = _db_overrides(db)
        recorded = _db_students(db)
    except sqlite3.Error as e:
        batch.problems.append(f"gradebook.db: could not be read ({e}); overrides as in the JSON")
        stored, recorded = None, set()
    if stored is not None:
        by_student: dict[str, list] = {}
        for o in stored:
            by_student.setdefault(o.student, []).append(o)
        for i, r in enumerate(batch.results):
            mine = by_student.get(r.submission, [])
            if mine or any(ex.override for ex in r.exercises):
                batch.results[i], _unmatched = _overrides.apply(r, mine)
                batch.overrides_applied += len(mine)
    names = {r.submission for r in batch.results}
    batch.no_result_file = sorted(recorded - names)
    return batch
