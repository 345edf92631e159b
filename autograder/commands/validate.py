"""``autograder validate``: prove the graders (DESIGN.md rule 3).

The reference scores full marks, the untouched stubs score zero, and every
known-wrong submission loses points on the checks it names, which together cover
every check. A wrong submission is a folder under the assignment's ``wrong`` path
holding the file of the exercise under test, whose header says what it breaks:

    # catches: ex13.symmetric ex13.asymmetric_value

An exercise that builds on others (``depends`` in assignment.yaml) is graded with them,
so its folder may also hold correct files of those exercises; the exercise under test
is the one all the others in the folder are dependencies of.
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


def exercise_under_test(assignment: Assignment, folder: Path) -> tuple[str, Path]:
    """The exercise a test folder is about, and its file.

    The folder holds that exercise's file and, optionally, files of exercises it builds
    on (transitively), which grading it grades too; any other exercise file is an error.
    """
    by_file = {e.file: e.id for e in assignment.exercises.values() if e.file}
    files = {by_file[f.name]: f for f in folder.glob("ex*.py") if f.name in by_file}
    below = {ex: set(assignment.with_dependencies([ex])) - {ex} for ex in files}
    tops = [ex for ex in files if not any(ex in below[other] for other in files)]
    if len(tops) != 1 or set(files) - {tops[0]} - below[tops[0]]:
        raise ValueError(f"{folder}: expected one exercise file, plus only files of the "
                         f"exercises it depends on; got {sorted(f.name for f in files.values())}")
    return tops[0], files[tops[0]]


def wrong_submissions(assignment: Assignment, exercises=None) -> list[WrongSubmission]:
    root = assignment.path("wrong", "wrong")
    found = []
    for folder in sorted(p for p in root.glob("*") if p.is_dir()) if root.is_dir() else []:
        ex, file = exercise_under_test(assignment, folder)
        m = CATCHES.search(file.read_text(encoding="utf-8"))
        if not m:
            raise ValueError(f"{file}: no '# catches: <check ids>' line")
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
        for dep in assignment.with_dependencies([wrong.exercise]):  # files beside it are correct
            if dep != wrong.exercise and (wrong.path / assignment.exercises[dep].file).is_file():
                failing = [c.id for c in result.checks()
                           if c.id.split(".")[0] == dep and c.status != "passed"]
                if failing:
                    report.problems.append(f"{wrong.path.name}: the {dep} file beside it "
                                           f"fails {', '.join(failing)}")
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
