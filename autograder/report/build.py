"""``autograder report``: a results folder in, the instructor's report and the exports out.

    report/index.html                  the report (self-contained: open it anywhere)
    report/grades_canvas.csv           imports into a Canvas gradebook
    report/grades.csv                  one column per exercise, the parts of the total apart
    report/gradescope/<id>/results.json  Gradescope's format, per submission
    report/feedback/<id>.md, .html     per-student feedback
    report/similarity.csv              every listed pair (with --submissions)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..assignment import Assignment
from ..results import atomic_write
from . import exports, feedback, figures, similarity, timestamps
from .analysis import analyse
from .grades import Grade, columns, grade_all
from .html import feedback_html, report_html
from .load import load
from .policy import Policy
from .safe import file_stem, number


@dataclass
class Summary:
    output: Path
    students: int
    grades: list[Grade]
    pairs: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    not_graded: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)    # stage -> seconds

    @property
    def index(self) -> Path:
        return self.output / "index.html"


class _Timer:
    def __init__(self):
        self.stages: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = round(now - self._t, 3)
        self._t = now


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def main(*, results_dir: Path, output: Path, assignment: Assignment | None = None,
         submissions: Path | None = None, timestamps_csv: Path | None = None,
         show_hidden: str = "none", roster: Path | None = None, canvas_id: str | None = None,
         similarity_options: dict | None = None, now: datetime | None = None) -> Summary:
    """Build everything; returns what was built (and how long each stage took)."""
    if show_hidden not in exports.SHOW_HIDDEN:
        raise ValueError(f"show_hidden must be one of {exports.SHOW_HIDDEN}, got {show_hidden!r}")
    timer = _Timer()
    output = Path(output)
    batch = load(results_dir)
    results = batch.results
    policy = Policy.of(assignment)
    order = list(assignment.exercises) if assignment is not None else []
    cols = columns(results, order, policy, assignment)
    tz = policy.late.deadline.tzinfo if policy.late else None
    times, time_problems = timestamps.collect([r.submission for r in results],
                                              csv_path=timestamps_csv, submissions=submissions,
                                              default_tz=tz)
    grades = grade_all(results, cols, policy, times)
    problems = batch.problems + time_problems + [
        f"{s}: recorded in gradebook.db but has no result file" for s in batch.no_result_file]
    timer.lap("load")

    analysis = analyse(results, order)
    pictures = _figures(grades, cols, analysis)
    timer.lap("figures")

    found = None
    if submissions is not None and assignment is not None:
        found = _similarity(assignment, cols, Path(submissions),
                            {r.submission for r in results}, similarity_options or {})
    timer.lap("similarity")

    title = assignment.title if assignment is not None else \
        (results[0].assignment if results else "") or "Assignment"
    _write_students(output, results, grades, cols, title, show_hidden)
    timer.lap("per-student files")

    _write_exports(output, grades, cols, found, policy, title, canvas_id, roster)
    page = report_html(
        title=title, assignment_name=assignment.name if assignment is not None else "",
        versions=sorted({r.assignment_version for r in results if r.assignment_version}),
        generated=(now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        grades=grades, cols=cols, analysis=analysis, figures=pictures, similarity=found,
        problems=problems, not_graded=[e for e in order if e not in {c.id for c in cols}],
        policy=policy, statuses={r.submission: {c.status for c in r.checks()} for r in results})
    atomic_write(output / "index.html", page)
    timer.lap("report")
    return Summary(output=output, students=len(results), grades=grades,
                   pairs=found.pairs if found else [], problems=problems,
                   not_graded=[e for e in order if e not in {c.id for c in cols}],
                   seconds=timer.stages)


def _figures(grades: list[Grade], cols, analysis) -> dict:
    return {
        "scores": figures.score_distribution([g.final for g in grades], [g.raw for g in grades],
                                             grades[0].max_score if grades else 0.0),
        "exercises": figures.exercise_distributions(analysis.fractions,
                                                    {c.id: c.title for c in cols}),
        "checks": figures.pass_rates(analysis.checks),
        "time": figures.grading_time(analysis.seconds)}


def _similarity(assignment: Assignment, cols, submissions: Path, students: set[str],
                options: dict):
    code = [(c.id, assignment.exercises[c.id].file) for c in cols
            if c.kind == "code" and c.id in assignment.exercises]
    return similarity.find(submissions, code, assignment.path("template", "student_template"),
                           students=students, **options)


def _write_students(output: Path, results, grades: list[Grade], cols, title: str,
                    show_hidden: str) -> None:
    """Feedback (Markdown, HTML) and Gradescope results.json, per student. Plain writes:
    thousands of small files, all rebuilt by the next run."""
    for r, g in zip(results, grades):
        stem = file_stem(r.submission)
        view = feedback.view(r, g, cols, title, show_hidden)
        _write(output / "feedback" / f"{stem}.md", feedback.markdown(view))
        _write(output / "feedback" / f"{stem}.html", feedback_html(view))
        _write(output / "gradescope" / stem / "results.json",
               exports.gradescope_json(r, g, cols, show_hidden))


def _write_exports(output: Path, grades, cols, found, policy: Policy, title: str,
                   canvas_id: str | None, roster: Path | None) -> None:
    atomic_write(output / "grades_canvas.csv", exports.canvas_csv(
        grades, assignment_name=policy.canvas_name or title,
        assignment_id=canvas_id if canvas_id is not None else policy.canvas_id,
        roster=exports.read_roster(roster) if roster is not None else None))
    atomic_write(output / "grades.csv", exports.generic_csv(grades, cols))
    if found is not None:
        atomic_write(output / "similarity.csv", exports.csv_text(
            [["exercise", "student_a", "student_b", "score", "shared", "regions"]] +
            [[p.exercise, p.a, p.b, number(p.score, 3), p.shared,
              " ".join(f"{r.a_lines[0]}-{r.a_lines[1]}:{r.b_lines[0]}-{r.b_lines[1]}"
                       for r in p.regions)] for p in found.pairs]))
