"""``autograder validate``: prove the graders (DESIGN.md rule 3).

The reference scores full marks, the untouched stubs score zero, and every
known-wrong submission loses points on the checks it names, which together cover
every check. A wrong submission is a folder under the assignment's ``wrong`` path
holding one exercise file whose header says what it breaks:

    # catches: ex13.symmetric ex13.asymmetric_value
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..assignment import Assignment
from ..runner import grade

CATCHES = re.compile(r"^#\s*catches:\s*(.+)$", re.MULTILINE)


@dataclass
class WrongSubmission:
    path: Path
    exercise: str
    catches: tuple[str, ...]


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def wrong_submissions(assignment: Assignment, exercises=None) -> list[WrongSubmission]:
    root = assignment.path("wrong", "wrong")
    by_file = {e.file: e.id for e in assignment.exercises.values() if e.file}
    found = []
    for folder in sorted(p for p in root.glob("*") if p.is_dir()) if root.is_dir() else []:
        files = [f for f in folder.glob("ex*.py") if f.name in by_file]
        if len(files) != 1:
            raise ValueError(f"{folder}: expected exactly one exercise file, got {len(files)}")
        text = files[0].read_text(encoding="utf-8")
        m = CATCHES.search(text)
        if not m:
            raise ValueError(f"{files[0]}: no '# catches: <check ids>' line")
        ex = by_file[files[0].name]
        if exercises and ex not in exercises:
            continue
        found.append(WrongSubmission(folder, ex, tuple(m.group(1).split())))
    return found


def main(*, assignment: Assignment, exercises=None, sandbox: str = "process",
         progress=None) -> Report:
    report = Report()
    code = assignment.select(exercises, kind="code")
    ids = [e.id for e in code]
    all_checks = {s.id: s for e in code for s in assignment.checks(e.id)}

    for e in code:  # points in assignment.yaml equal the checks' points
        total = sum(s.points for s in assignment.checks(e.id))
        if abs(total - e.points) > 1e-9:
            report.problems.append(f"{e.id}: checks add up to {total:g} points, "
                                   f"assignment.yaml says {e.points:g}")

    ref = grade(assignment.path("reference", "reference"), assignment, exercises=ids,
                sandbox=sandbox, name="reference")
    report.lines.append(f"reference: {ref.score:g} / {ref.max_score:g}")
    for c in ref.checks():
        if c.status != "passed":
            report.problems.append(f"reference fails {c.id}: {c.status}: {c.message}")

    stub = grade(assignment.path("template", "student_template"), assignment, exercises=ids,
                 sandbox=sandbox, name="template")
    report.lines.append(f"template: {stub.score:g} / {stub.max_score:g}")
    for c in stub.checks():
        if c.status == "passed":
            report.problems.append(f"the untouched stub passes {c.id}")

    caught: set[str] = set()
    for wrong in wrong_submissions(assignment, ids):
        result = grade(wrong.path, assignment, exercises=[wrong.exercise], sandbox=sandbox,
                       name=wrong.path.name)
        by_id = {c.id: c for c in result.checks()}
        for cid in wrong.catches:
            if cid not in all_checks:
                report.problems.append(f"{wrong.path.name}: names unknown check {cid}")
            elif by_id[cid].status == "passed":
                report.problems.append(f"{wrong.path.name}: {cid} passes, but should catch it")
            else:
                caught.add(cid)
        report.lines.append(f"{wrong.path.name}: {result.score:g} / {result.max_score:g}")
        if progress:
            progress(wrong.path.name)
    for cid in sorted(set(all_checks) - caught):
        report.problems.append(f"{cid}: no known-wrong submission shows that it can fail")
    return report
