"""Grades for the LMS: a Canvas gradebook CSV, a generic CSV, Gradescope results.json.

Canvas (the layout its gradebook export has and its importer reads):

    Student,ID,SIS User ID,SIS Login ID,Section,Chapter 30: Multimodal LLMs (123456)
        Points Possible,,,,,100
    alice,,,alice,,87.5

The importer finds a student by Canvas ``ID``, else ``SIS User ID``, else ``SIS Login
ID``, else the name; the assignment by the id in parentheses, else its title (a new
title makes a new assignment). A roster (Canvas's own gradebook export, ``--roster``)
fills in name, ID, SIS ids and section for students it lists, matched on SIS Login ID,
SIS User ID or ID; without it the student id goes in ``SIS Login ID`` and ``Student``.

Every cell passes ``safe.csv_cell``: text that a spreadsheet would evaluate (= + - @)
is neutralised; the numbers written are never negative.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from ..results import SubmissionResult
from .grades import Column, Grade
from .safe import csv_cell, number

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "    Points Possible"     # as Canvas writes it; the importer matches the words
SHOW_HIDDEN = ("none", "names", "full")


def csv_text(rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(c) for c in row])
    return buf.getvalue()


# -- Canvas -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RosterEntry:
    name: str
    canvas_id: str
    sis_user_id: str
    sis_login_id: str
    section: str


def read_roster(path: Path) -> dict[str, RosterEntry]:
    """A Canvas gradebook export, indexed by every id a submission could be named by."""
    text = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    fields = {(f or "").strip().lower(): f for f in reader.fieldnames or []}
    missing = [c for c in ("student", "id") if c not in fields]
    if missing:
        raise ValueError(f"{path}: not a Canvas gradebook export (no {', '.join(missing)} column)")

    def get(row, name):
        key = fields.get(name.lower())
        return (row.get(key) or "").strip() if key else ""

    out = {}
    for row in reader:
        name = get(row, "Student")
        if not name or "Points Possible" in name or not get(row, "ID"):
            continue
        entry = RosterEntry(name, get(row, "ID"), get(row, "SIS User ID"),
                            get(row, "SIS Login ID"), get(row, "Section"))
        for key in (entry.sis_login_id, entry.sis_user_id, entry.canvas_id):
            if key:
                out.setdefault(key, entry)
    return out


def canvas_column(name: str, assignment_id: str = "") -> str:
    return f"{name} ({assignment_id})" if assignment_id else name


def canvas_csv(grades: list[Grade], *, assignment_name: str, assignment_id: str = "",
               roster: dict[str, RosterEntry] | None = None) -> str:
    roster = roster or {}
    possible = grades[0].max_score if grades else 0
    rows = [CANVAS_IDENTITY + [canvas_column(assignment_name, assignment_id)],
            [POINTS_POSSIBLE, "", "", "", "", number(possible)]]
    for g in sorted(grades, key=lambda g: g.student):
        r = roster.get(g.student)
        identity = ([r.name, r.canvas_id, r.sis_user_id, r.sis_login_id, r.section] if r
                    else [g.student, "", "", g.student, ""])
        rows.append(identity + [number(max(g.final, 0.0))])
    return csv_text(rows)


# -- generic ------------------------------------------------------------------------------------

GENERIC_TAIL = ["code_auto", "rubric_auto", "override_added", "override_removed", "raw_score",
                "submitted_at", "deadline", "days_late", "late_penalty", "score", "max_score",
                "review_needed", "not_graded"]


def generic_csv(grades: list[Grade], cols: list[Column]) -> str:
    """One row per student, one column per exercise (its points after overrides, as
    graded, unweighted), then the parts of the total kept apart (what overrides changed
    in two columns, added and removed, so no cell is negative)."""
    header = ["student"] + [c.id for c in cols] + GENERIC_TAIL
    rows = [header, ["(max)"] + [number(c.max_score) for c in cols] +
            [""] * 10 + [number(grades[0].max_score if grades else 0), "", ""]]
    for g in sorted(grades, key=lambda g: g.student):
        late = g.lateness
        rows.append([g.student] + [number(g.scores[c.id]) for c in cols] + [
            number(g.code), number(g.rubric), number(max(g.overrides, 0.0)),
            number(max(-g.overrides, 0.0)), number(g.raw),
            late.submitted_at.isoformat() if late.submitted_at else "",
            late.deadline.isoformat() if late.deadline else "",
            str(late.days), number(g.penalty), number(max(g.final, 0.0)), number(g.max_score),
            " ".join(g.review), " ".join(g.absent)])
    return csv_text(rows)


# -- Gradescope ---------------------------------------------------------------------------------

def gradescope(result: SubmissionResult, grade: Grade, cols: list[Column],
               show_hidden: str = "none") -> dict:
    """The Gradescope autograder ``results.json`` of one submission.

    Hidden checks keep their points; students see them as the instructor chooses:
    ``none``: visibility ``hidden`` (never shown to students); ``names``: visible
    after the grades are published, without a message; ``full``: after publishing,
    with the message. Public checks are ``visible`` with their message."""
    if show_hidden not in SHOW_HIDDEN:
        raise ValueError(f"show_hidden must be one of {SHOW_HIDDEN}, got {show_hidden!r}")
    weight = {c.id: c.weight for c in cols}
    tests = []
    for n, ex in enumerate(result.exercises, start=1):
        w = weight.get(ex.id, 1.0)
        for m, c in enumerate(ex.checks, start=1):
            test = {"name": f"{c.id}", "number": f"{n}.{m}", "score": round(c.score * w, 4),
                    "max_score": round(c.max_score * w, 4),
                    "status": "passed" if c.status == "passed" else "failed",
                    "output": c.message, "output_format": "text",
                    "tags": [ex.id, ex.kind, c.status], "visibility": "visible"}
            if c.hidden:
                test["visibility"] = "hidden" if show_hidden == "none" else "after_published"
                if show_hidden != "full":
                    test["output"] = ""
            tests.append(test)
        if ex.override:
            tests.append({"name": f"{ex.id} (TA override)", "number": f"{n}.0",
                          "score": round((ex.score - sum(c.score for c in ex.checks)) * w, 4),
                          "max_score": 0, "status": "passed",
                          "output": f"{ex.override.get('by', '')}: "
                                    f"{ex.override.get('comment', '')}",
                          "output_format": "text", "tags": [ex.id, "override"],
                          "visibility": "after_published"})
    late = grade.lateness
    lines = [f"Raw score {number(grade.raw)} of {number(grade.max_score)}."]
    if late.is_late:
        lines.append(f"Submitted {late.days} day(s) late: {late.fraction:.0%} off "
                     f"({number(grade.penalty)} points).")
    return {"score": round(max(grade.final, 0.0), 4), "execution_time": round(result.seconds, 3),
            "output": " ".join(lines), "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden",
            "extra_data": {"raw_score": grade.raw, "late_penalty": grade.penalty,
                           "days_late": late.days, "code_auto": grade.code,
                           "rubric_auto": grade.rubric, "overrides": grade.overrides},
            "tests": tests}


def gradescope_json(result, grade, cols, show_hidden="none") -> str:
    # compact: json's C encoder does not indent, and 1,000 of these are written at once
    return json.dumps(gradescope(result, grade, cols, show_hidden), ensure_ascii=False,
                      separators=(",", ":"))
