"""The SQLite gradebook beside the result files (``results/gradebook.db``).

Results are written as JSON first (atomically), then recorded here in one
transaction per submission, so a batch killed at any point loses nothing: a JSON
without its row is imported on resume, a row without its JSON is graded again.
"""
from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from .results import SubmissionResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY, started REAL, finished REAL, assignment TEXT, version TEXT,
    command TEXT, graded INTEGER DEFAULT 0, skipped INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS submissions (
    student TEXT PRIMARY KEY, content_hash TEXT, version TEXT, score REAL, max_score REAL,
    run_id INTEGER, graded_at REAL, seconds REAL, result_path TEXT, sandbox TEXT);
CREATE TABLE IF NOT EXISTS checks (
    student TEXT, check_id TEXT, exercise TEXT, status TEXT, score REAL, max_score REAL,
    hidden INTEGER, message TEXT, seconds REAL, PRIMARY KEY (student, check_id));
CREATE INDEX IF NOT EXISTS checks_by_id ON checks (check_id, status);
"""


class Gradebook:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def start_run(self, assignment: str, version: str, command: str) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO runs (started, assignment, version, command) VALUES (?, ?, ?, ?)",
                (time.time(), assignment, version, command))
        return cur.lastrowid

    def finish_run(self, run_id: int, graded: int, skipped: int) -> None:
        with self.db:
            self.db.execute("UPDATE runs SET finished=?, graded=?, skipped=? WHERE id=?",
                            (time.time(), graded, skipped, run_id))

    def graded(self, student: str) -> tuple[str, str] | None:
        """(content hash, assignment version) of the recorded grade, if any."""
        row = self.db.execute("SELECT content_hash, version FROM submissions WHERE student=?",
                              (student,)).fetchone()
        return tuple(row) if row else None

    def record(self, result: SubmissionResult, run_id: int | None, path: Path) -> None:
        with self.db:
            self.db.execute("DELETE FROM checks WHERE student=?", (result.submission,))
            self.db.execute(
                "INSERT OR REPLACE INTO submissions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (result.submission, result.content_hash, result.assignment_version,
                 result.score, result.max_score, run_id, time.time(), result.seconds,
                 str(path), json.dumps(result.sandbox)))
            self.db.executemany(
                "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(result.submission, c.id, ex.id, c.status, c.score, c.max_score, int(c.hidden),
                  c.message, c.seconds) for ex in result.exercises for c in ex.checks])

    def close(self) -> None:
        self.db.close()
