"""TA overrides: a TA's decision on a score, kept in the gradebook, re-applied after every run.

An override names a student, an exercise and a criterion (a check id such as
``ex02.token_count``, or ``""`` for the whole exercise) and gives the score the TA
decided, who decided and why. Overrides live in the ``overrides`` table of
``results/gradebook.db``, beside the tables the grader writes; grading never touches
them, so re-running the auto-scorer and then ``apply_overrides`` always gives the TA's
decision.

Applying is idempotent: the auto-scored values are kept inside the result
(``ExerciseResult.override["auto"]``), so a result that already carries overrides is
first restored to its auto scores, then the current overrides are applied.

* criterion override: that check's score is replaced (status ``passed`` at full
  points, else ``failed``) and its message starts with ``[TA override ...]``; the
  exercise score is the sum of its checks again;
* exercise override (criterion ``""``): the exercise score is replaced outright
  (it wins over criterion overrides of the same exercise);
* either way ``ExerciseResult.override = {"score", "by", "comment", ...}`` and a
  ``review`` that was needed is marked resolved.

CSV (for TAs who work in a spreadsheet): ``export_csv`` writes one row per rubric
exercise and criterion of every result, with the auto score, evidence, review flag,
and the current override; ``import_csv`` reads such a file back (rows whose
``override_score`` is filled are stored, ``clear`` removes an override, empty leaves
it alone), validating every row first and changing nothing if any row is wrong.
"""
from __future__ import annotations

import copy
import csv
import io
import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .results import SubmissionResult

TABLE = """
CREATE TABLE IF NOT EXISTS overrides (
    student TEXT NOT NULL, exercise TEXT NOT NULL, criterion TEXT NOT NULL DEFAULT '',
    score REAL NOT NULL, "by" TEXT NOT NULL, comment TEXT NOT NULL DEFAULT '', at REAL NOT NULL,
    PRIMARY KEY (student, exercise, criterion));
"""
MARK = "[TA override"
CSV_COLUMNS = ["student", "exercise", "criterion", "auto_score", "max_score", "override_score",
               "by", "comment", "review", "confidence", "evidence"]
CLEAR = "clear"


class OverrideError(ValueError):
    """An override that cannot be stored; the message names the row or the value."""


@dataclass(frozen=True)
class Override:
    student: str
    exercise: str
    criterion: str        # "" for the whole exercise; else the criterion (without "exNN.")
    score: float
    by: str
    comment: str
    at: float

    @property
    def check_id(self) -> str:
        return f"{self.exercise}.{self.criterion}" if self.criterion else ""

    def as_dict(self) -> dict:
        return {"score": self.score, "by": self.by, "comment": self.comment,
                "at": _iso(self.at)}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="seconds")


# -- storage ---------------------------------------------------------------------------------------

def connect(db_path: Path) -> sqlite3.Connection:
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(db_path, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(TABLE)
    return db


def _criterion(exercise: str, criterion: str | None) -> str:
    """``ex02.token_count`` or ``token_count`` -> ``token_count``; None -> ``""``."""
    criterion = (criterion or "").strip()
    prefix = f"{exercise}."
    return criterion[len(prefix):] if criterion.startswith(prefix) else criterion


def set_override(db_path: Path, student: str, exercise: str, criterion: str | None,
                 score: float, by: str, comment: str = "", at: float | None = None) -> Override:
    """Store (or replace) one override. Range checks against the result are the caller's
    (``validate``); here only the basic shape is checked."""
    ov = _make(student, exercise, criterion, score, by, comment, at)
    with connect(db_path) as db:
        _put(db, ov)
    return ov


def _make(student, exercise, criterion, score, by, comment, at=None) -> Override:
    if not str(student).strip():
        raise OverrideError("an override needs a student")
    if not str(exercise).strip():
        raise OverrideError("an override needs an exercise")
    if not str(by or "").strip():
        raise OverrideError("an override needs the TA who made it (by)")
    try:
        score = float(score)
    except (TypeError, ValueError):
        raise OverrideError(f"score must be a number, got {score!r}") from None
    if not score >= 0:
        raise OverrideError(f"score must be >= 0, got {score:g}")
    return Override(str(student).strip(), str(exercise).strip(),
                    _criterion(str(exercise).strip(), criterion), score, str(by).strip(),
                    str(comment or "").strip(), time.time() if at is None else at)


def _put(db: sqlite3.Connection, ov: Override) -> None:
    db.execute('INSERT OR REPLACE INTO overrides (student, exercise, criterion, score, "by", '
               'comment, at) VALUES (?, ?, ?, ?, ?, ?, ?)',
               (ov.student, ov.exercise, ov.criterion, ov.score, ov.by, ov.comment, ov.at))


def clear_override(db_path: Path, student: str, exercise: str, criterion: str | None = None) -> bool:
    with connect(db_path) as db:
        cur = db.execute("DELETE FROM overrides WHERE student=? AND exercise=? AND criterion=?",
                         (student, exercise, _criterion(exercise, criterion)))
    return cur.rowcount > 0


def list_overrides(db_path: Path, student: str | None = None,
                   exercise: str | None = None) -> list[Override]:
    db_path = Path(db_path)
    if not db_path.exists():
        return []
    with connect(db_path) as db:
        sql = 'SELECT student, exercise, criterion, score, "by", comment, at FROM overrides'
        where, args = [], []
        if student is not None:
            where.append("student=?")
            args.append(student)
        if exercise is not None:
            where.append("exercise=?")
            args.append(exercise)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = db.execute(sql + " ORDER BY student, exercise, criterion", args).fetchall()
    return [Override(*row) for row in rows]


# -- applying --------------------------------------------------------------------------------------

def strip_overrides(result: SubmissionResult) -> SubmissionResult:
    """A copy of ``result`` with the auto-scored values back (overrides undone)."""
    result = copy.deepcopy(result)
    for ex in result.exercises:
        auto = (ex.override or {}).get("auto")
        if auto is None:
            continue
        saved = auto.get("checks", {})
        for check in ex.checks:
            if check.id in saved:
                check.score = saved[check.id]["score"]
                check.status = saved[check.id]["status"]
                check.message = saved[check.id]["message"]
        ex.score = auto["score"]
        ex.review = auto.get("review")
        ex.override = None
    return result


def apply(result: SubmissionResult, overrides: list[Override]) -> tuple[SubmissionResult, list[str]]:
    """``result`` (a copy) with ``overrides`` applied, and the overrides that matched
    nothing in it (as messages)."""
    result = strip_overrides(result)
    unmatched = []
    mine = [o for o in overrides if o.student == result.submission]
    by_exercise: dict[str, list[Override]] = {}
    for o in mine:
        by_exercise.setdefault(o.exercise, []).append(o)
    exercises = {ex.id: ex for ex in result.exercises}
    for ex_id, items in by_exercise.items():
        ex = exercises.get(ex_id)
        if ex is None:
            unmatched += [f"{o.student} {o.exercise}: no such exercise in the result" for o in items]
            continue
        auto = {"score": ex.score, "review": copy.deepcopy(ex.review), "checks": {}}
        checks = {c.id: c for c in ex.checks}
        criteria = {}
        whole = None
        for o in sorted(items, key=lambda o: (o.criterion != "", o.criterion)):
            if not o.criterion:
                whole = o
                continue
            check = checks.get(o.check_id)
            if check is None:
                unmatched.append(f"{o.student} {o.check_id}: no such criterion in the result")
                continue
            auto["checks"][check.id] = {"score": check.score, "status": check.status,
                                        "message": check.message}
            new = min(max(o.score, 0.0), check.max_score)
            check.message = (f"{MARK} by {o.by}: {new:g}/{check.max_score:g}, auto "
                             f"{check.score:g}{': ' + o.comment if o.comment else ''}] "
                             f"{check.message}")
            check.score = new
            check.status = "passed" if new >= check.max_score - 1e-9 else "failed"
            criteria[check.id] = o.as_dict()
        if whole is None and not criteria:
            continue
        ex.score = round(sum(c.score for c in ex.checks), 4)
        if whole is not None:
            ex.score = round(min(max(whole.score, 0.0), ex.max_score), 4)
            info = whole.as_dict()
        else:
            latest = [criteria[k] for k in sorted(criteria)]
            info = {"by": ", ".join(dict.fromkeys(c["by"] for c in latest)),
                    "comment": "; ".join(f"{k}: {c['comment']}" for k, c in criteria.items()
                                         if c["comment"]),
                    "at": max(c["at"] for c in latest)}
        info["score"] = ex.score
        if criteria:
            info["criteria"] = criteria
        info["auto"] = auto
        ex.override = {"score": info.pop("score"), "by": info.pop("by"),
                       "comment": info.pop("comment"), **info}
        if ex.review:
            ex.review = {**ex.review, "needed": False, "resolved_by": ex.override["by"]}
    return result, unmatched


def apply_overrides(result: SubmissionResult, db_path: Path) -> SubmissionResult:
    """``result`` with the TA overrides stored in ``db_path`` applied (a new object).

    Call it after every (re-)grading, before writing the result: the TA's decision wins."""
    overrides = list_overrides(db_path, student=result.submission)
    return apply(result, overrides)[0]


# -- validation against results -------------------------------------------------------------------

@dataclass
class Known:
    """What a results folder holds: per student, per exercise, its max score and checks."""
    exercises: dict[str, dict[str, tuple[float, dict[str, float]]]]

    @classmethod
    def load(cls, results_dir: Path) -> "Known":
        """From ``results/*.json``; the gradebook's checks table fills in students whose
        JSON is missing."""
        results_dir = Path(results_dir)
        known: dict = {}
        db = results_dir / "gradebook.db"
        if db.exists():
            con = sqlite3.connect(db, timeout=30)
            try:
                rows = con.execute("SELECT student, exercise, check_id, max_score FROM checks").fetchall()
            except sqlite3.OperationalError:
                rows = []
            finally:
                con.close()
            building: dict = {}
            for student, exercise, check_id, max_score in rows:
                checks = building.setdefault(student, {}).setdefault(exercise, {})
                checks[check_id] = max_score
            known = {s: {e: (sum(c.values()), c) for e, c in exs.items()}
                     for s, exs in building.items()}
        for path in sorted(results_dir.glob("*.json")):
            try:
                result = SubmissionResult.from_json_file(path)
            except (ValueError, KeyError, TypeError, json.JSONDecodeError):
                continue
            known[result.submission] = {
                ex.id: (ex.max_score, {c.id: c.max_score for c in ex.checks})
                for ex in result.exercises}
        return cls(known)

    def check(self, student: str, exercise: str, criterion: str, score: float) -> str | None:
        """Why this override cannot be stored, or None."""
        if student not in self.exercises:
            return f"unknown student {student!r} (no results/{student}.json)"
        exercises = self.exercises[student]
        if exercise not in exercises:
            return (f"unknown exercise {exercise!r} for {student}; known: "
                    f"{', '.join(sorted(exercises))}")
        max_score, checks = exercises[exercise]
        if criterion:
            cid = f"{exercise}.{criterion}"
            if cid not in checks:
                return (f"unknown criterion {criterion!r} for {exercise}; known: "
                        f"{', '.join(c.split('.', 1)[1] for c in sorted(checks))}")
            max_score = checks[cid]
        if not 0 <= score <= max_score + 1e-9:
            what = f"{exercise}.{criterion}" if criterion else exercise
            return f"score {score:g} is out of range for {what} (0 to {max_score:g})"
        return None


def validated(results_dir: Path, student, exercise, criterion, score, by, comment="") -> Override:
    """An override checked against the results folder (raises OverrideError)."""
    ov = _make(student, exercise, criterion, score, by, comment)
    problem = Known.load(results_dir).check(ov.student, ov.exercise, ov.criterion, ov.score)
    if problem:
        raise OverrideError(problem)
    return ov


def reapply(results_dir: Path, students) -> list[Path]:
    """Re-apply the stored overrides to ``results/<student>.json`` (atomically) and record
    the result in the gradebook, so the JSON, the gradebook and the TA agree."""
    from .gradebook import Gradebook

    results_dir = Path(results_dir)
    db_path = results_dir / "gradebook.db"
    written = []
    for student in sorted(set(students)):
        path = results_dir / f"{student}.json"
        if not path.exists():
            continue
        result = apply_overrides(SubmissionResult.from_json_file(path), db_path)
        result.write(path)
        written.append(path)
        gb = Gradebook(db_path)
        try:
            row = gb.db.execute("SELECT run_id FROM submissions WHERE student=?",
                                (student,)).fetchone()
            gb.record(result, row[0] if row else None, path)
        finally:
            gb.close()
    return written


# -- CSV --------------------------------------------------------------------------------------------

def _cell(text) -> str:
    """Spreadsheet-safe text: a leading = + - @ would be read as a formula."""
    text = "" if text is None else str(text)
    text = text.replace("\r", " ").replace("\n", " ")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def _uncell(text: str) -> str:
    text = (text or "").strip()
    return text[1:] if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@") else text


def _num(x) -> str:
    return "" if x is None else f"{x:g}"


def export_rows(results_dir: Path, kinds=("rubric",)) -> list[dict]:
    """The rows ``export_csv`` writes (one per exercise and per criterion)."""
    results_dir = Path(results_dir)
    overrides = {(o.student, o.exercise, o.criterion): o
                 for o in list_overrides(results_dir / "gradebook.db")}
    rows, seen = [], set()
    for path in sorted(results_dir.glob("*.json")):
        try:
            result = strip_overrides(SubmissionResult.from_json_file(path))
        except (ValueError, KeyError, TypeError, json.JSONDecodeError):
            continue
        for ex in result.exercises:
            wanted = ex.kind in kinds or any((result.submission, ex.id, c) in overrides
                                             for c in [""] + [ck.id.split(".", 1)[-1] for ck in ex.checks])
            if not wanted:
                continue
            review = ex.review or {}
            items = [("", ex.score, ex.max_score, review.get("reason", ""))] + \
                [(c.id.split(".", 1)[1] if "." in c.id else c.id, c.score, c.max_score, c.message)
                 for c in ex.checks]
            for criterion, auto, max_score, evidence in items:
                key = (result.submission, ex.id, criterion)
                o = overrides.get(key)
                seen.add(key)
                rows.append({"student": result.submission, "exercise": ex.id, "criterion": criterion,
                             "auto_score": _num(auto), "max_score": _num(max_score),
                             "override_score": _num(o.score) if o else "",
                             "by": o.by if o else "", "comment": o.comment if o else "",
                             "review": ("yes" if review.get("needed") else "") if not criterion else "",
                             "confidence": _num(review.get("confidence")) if not criterion else "",
                             "evidence": evidence})
    for key, o in sorted(overrides.items()):
        if key not in seen:
            rows.append({"student": o.student, "exercise": o.exercise, "criterion": o.criterion,
                         "auto_score": "", "max_score": "", "override_score": _num(o.score),
                         "by": o.by, "comment": o.comment, "review": "", "confidence": "",
                         "evidence": "(no result file for this override)"})
    return rows


def export_csv(results_dir: Path, out: Path | None = None, kinds=("rubric",)) -> str:
    """Write (and return) the CSV of auto scores, evidence and overrides."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in export_rows(results_dir, kinds):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    text = buf.getvalue()
    if out is not None:
        from .results import atomic_write
        atomic_write(Path(out), text)
    return text


@dataclass
class ImportReport:
    stored: list[Override]
    cleared: list[tuple[str, str, str]]
    unchanged: int
    students: set


def _read_csv(path: Path) -> list[dict]:
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if reader.fieldnames is None:
        raise OverrideError(f"{path}: empty CSV")
    reader.fieldnames = [(f or "").strip().lower().lstrip("\ufeff") for f in reader.fieldnames]
    if "override_score" not in reader.fieldnames and "score" in reader.fieldnames:
        reader.fieldnames = ["override_score" if f == "score" else f for f in reader.fieldnames]
    missing = [c for c in ("student", "exercise", "override_score") if c not in reader.fieldnames]
    if missing:
        raise OverrideError(f"{path}: missing column(s) {', '.join(missing)}; expected "
                            f"{', '.join(CSV_COLUMNS)}")
    return list(reader)


def import_csv(results_dir: Path, csv_path: Path, default_by: str | None = None,
               dry_run: bool = False) -> ImportReport:
    """Store the overrides of a CSV (as ``export_csv`` writes it), all or nothing."""
    results_dir = Path(results_dir)
    db_path = results_dir / "gradebook.db"
    rows = _read_csv(csv_path)
    known = Known.load(results_dir)
    current = {(o.student, o.exercise, o.criterion): o for o in list_overrides(db_path)}
    problems, stored, cleared, unchanged = [], [], [], 0
    touched = set()
    for n, row in enumerate(rows, start=2):          # line 1 is the header
        where = f"{csv_path}: row {n}"
        cell = _uncell(row.get("override_score") or "")
        if not cell:
            continue
        student = _uncell(row.get("student") or "")
        exercise = _uncell(row.get("exercise") or "")
        criterion = _criterion(exercise, _uncell(row.get("criterion") or ""))
        label = f"{student} {exercise}{'.' + criterion if criterion else ''}"
        if cell.lower() == CLEAR:
            if (student, exercise, criterion) in current:
                cleared.append((student, exercise, criterion))
                touched.add(student)
            continue
        try:
            score = float(cell.replace(",", "."))
        except ValueError:
            problems.append(f"{where} ({label}): override_score {cell!r} is not a number "
                            f"(or '{CLEAR}')")
            continue
        by = _uncell(row.get("by") or "") or (default_by or "")
        if not by:
            problems.append(f"{where} ({label}): no 'by' (the TA); fill the column or pass --by")
            continue
        problem = known.check(student, exercise, criterion, score)
        if problem:
            problems.append(f"{where}: {problem}")
            continue
        comment = _uncell(row.get("comment") or "")
        old = current.get((student, exercise, criterion))
        if old and abs(old.score - score) < 1e-9 and old.by == by and old.comment == comment:
            unchanged += 1
            continue
        stored.append(_make(student, exercise, criterion, score, by, comment))
        touched.add(student)
    if problems:
        raise OverrideError("nothing imported; fix these rows:\n" + "\n".join(problems))
    if not dry_run and (stored or cleared):
        with connect(db_path) as db:
            for ov in stored:
                _put(db, ov)
            for key in cleared:
                db.execute("DELETE FROM overrides WHERE student=? AND exercise=? AND criterion=?",
                           key)
        reapply(results_dir, touched)
    return ImportReport(stored, cleared, unchanged, touched)
