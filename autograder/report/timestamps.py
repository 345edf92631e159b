"""When each submission was handed in, from the first source that knows.

1. a CSV the LMS exported (``--timestamps``): a student column (``student``, ``login``,
   ``sis login id``, ``username``, ``id``) and a time column (``submitted_at``,
   ``submitted at``, ``submission time``, ``timestamp``); ISO 8601 or Unix seconds;
2. a file in the submission folder: ``.timestamp`` or ``submitted_at.txt``;
3. a submitted zip's metadata: the newest member's modification time.

Times without a zone (zip metadata never has one) are taken in ``default_tz``, the
deadline's zone.
"""
from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime
from pathlib import Path

from .policy import parse_time

STUDENT_COLUMNS = ("student", "login", "sis login id", "sis_login_id", "username", "user",
                   "student id", "student_id", "id")
TIME_COLUMNS = ("submitted_at", "submitted at", "submission time", "submission_time",
                "submitted", "timestamp", "time")
STAMP_FILES = (".timestamp", "submitted_at.txt")
MAX_STAMP_BYTES = 200


class TimestampError(ValueError):
    pass


def _pick(fields: list[str], wanted: tuple[str, ...]) -> str | None:
    norm = {f.strip().lower().lstrip("\ufeff"): f for f in fields if f}
    return next((norm[w] for w in wanted if w in norm), None)


def read_csv(path: Path, default_tz=None) -> dict[str, datetime]:
    """student -> submission time, from an LMS export; bad rows are an error naming them."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    fields = reader.fieldnames or []
    who, when = _pick(fields, STUDENT_COLUMNS), _pick(fields, TIME_COLUMNS)
    if who is None or when is None:
        raise TimestampError(f"{path}: expected columns student,submitted_at; found "
                             f"{', '.join(fields) or 'none'}")
    out, problems = {}, []
    for n, row in enumerate(reader, start=2):
        student = (row.get(who) or "").strip()
        stamp = (row.get(when) or "").strip()
        if not student or not stamp:
            continue                                  # no submission: nothing to time
        try:
            out[student] = parse_time(stamp, default_tz, where=f"{path}: row {n}")
        except ValueError as e:
            problems.append(str(e))
    if problems:
        raise TimestampError("; ".join(problems[:5]) + (" ..." if len(problems) > 5 else ""))
    return out


def from_folder(folder: Path, default_tz=None) -> datetime | None:
    for name in STAMP_FILES:
        file = folder / name
        if file.is_file() and not file.is_symlink():
            text = file.read_bytes()[:MAX_STAMP_BYTES].decode("utf-8", errors="replace").strip()
            if text:
                return parse_time(text.splitlines()[0], default_tz, where=str(file))
    return None


def from_zip(archive: Path, default_tz=None) -> datetime | None:
    try:
        with zipfile.ZipFile(archive) as zf:
            stamps = [m.date_time for m in zf.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError):
        return None
    if not stamps:
        return None
    return datetime(*max(stamps)).replace(tzinfo=default_tz) if default_tz else \
        parse_time(datetime(*max(stamps)))


def plain_name(student: str) -> bool:
    """A student id that names one entry of a folder (never a path out of it)."""
    return bool(student) and student not in (".", "..") and "/" not in student \
        and "\\" not in student and "\x00" not in student


def collect(students, *, csv_path: Path | None = None, submissions: Path | None = None,
            default_tz=None) -> tuple[dict[str, tuple[datetime, str]], list[str]]:
    """student -> (time, source) for ``students``, and the problems met on the way."""
    found: dict[str, tuple[datetime, str]] = {}
    problems: list[str] = []
    if csv_path is not None:
        for student, t in read_csv(csv_path, default_tz).items():
            found[student] = (t, "csv")
    if submissions is not None:
        for student in students:
            if student in found or not plain_name(student):
                continue
            folder, archive = Path(submissions) / student, Path(submissions) / f"{student}.zip"
            try:
                if folder.is_dir():
                    t = from_folder(folder, default_tz)
                    if t is not None:
                        found[student] = (t, "file")
                elif archive.is_file():
                    t = from_zip(archive, default_tz)
                    if t is not None:
                        found[student] = (t, "zip")
            except ValueError as e:
                problems.append(str(e))
    return found, problems
