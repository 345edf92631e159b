"""HTML renderings: the instructor's report and the students' feedback pages (jinja2).

The templates live in ``templates/`` beside this file; the environment autoescapes
everything, and the pages carry a Content-Security-Policy that allows no resource
outside the page (figures are data URIs, CSS and the sorting script inline).
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from .analysis import Analysis
from .feedback import STATUS_WORD, FeedbackView
from .grades import Column, Grade
from .safe import file_stem, number, printable

TEMPLATES = Path(__file__).resolve().parent / "templates"


def signed(x: float) -> str:
    if abs(x) < 1e-9:
        return ""
    return ("+" if x > 0 else "−") + number(abs(x))


def _finalize(value):
    """Every ``{{ value }}``: control characters (a terminal's escape sequences) as '?',
    then autoescaped. Markup the templates made themselves passes as it is."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return printable(value)
    return value


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      finalize=_finalize)
    env.globals.update(fmt=number, signed=signed, words=STATUS_WORD)
    return env


def feedback_html(v: FeedbackView) -> str:
    return environment().get_template("feedback.html.j2").render(v=v, g=v.grade)


@dataclass
class ExerciseRow:
    id: str
    title: str
    kind: str
    max_score: float
    weight: float
    mean: float
    median: float
    full: float
    zero: float
    review: int


def _exercise_rows(grades: list[Grade], cols: list[Column],
                   analysis: Analysis) -> list[ExerciseRow]:
    rows = []
    for c in cols:
        scores = [g.scores[c.id] for g in grades]
        rows.append(ExerciseRow(
            c.id, c.title, c.kind, c.max_score, c.weight,
            statistics.fmean(scores) if scores else 0.0,
            statistics.median(scores) if scores else 0.0,
            sum(s >= c.max_score - 1e-9 for s in scores) / len(scores) if scores else 0.0,
            sum(s <= 1e-9 for s in scores) / len(scores) if scores else 0.0,
            analysis.review.get(c.id, 0)))
    return rows


def _flags(g: Grade, statuses: set[str], late_policy: bool) -> list[str]:
    flags = []
    if g.lateness.is_late:
        flags.append("late")
    if late_policy and g.lateness.submitted_at is None:
        flags.append("no timestamp")
    if g.review:
        flags.append("review")
    if g.overridden:
        flags.append("override")
    flags += [s for s in ("error", "timeout") if s in statuses]
    if g.absent:
        flags.append("not graded: " + " ".join(g.absent))
    return flags


def _student_rows(grades, statuses, late_policy: bool) -> list[dict]:
    rows = []
    for g in grades:
        when = g.lateness.submitted_at
        rows.append({
            "student": g.student, "link": f"feedback/{quote(file_stem(g.student))}.html",
            "code": g.code, "rubric": g.rubric, "overrides": g.overrides, "raw": g.raw,
            "days": g.lateness.days, "penalty": g.penalty, "final": g.final,
            "percent": 100 * g.final / g.max_score if g.max_score else 0.0,
            "submitted": when.isoformat(timespec="minutes") if when else "",
            "seconds": g.seconds, "flags": _flags(g, statuses.get(g.student, set()), late_policy)})
    return rows


def _weights_text(cols: list[Column]) -> str:
    distinct = {round(c.weight, 6) for c in cols}
    if distinct <= {1.0}:
        return "every point counts once"
    return ", ".join(f"{c.id} ×{c.weight:.3g}" for c in cols)


def _late_text(policy) -> str:
    late = policy.late
    if late is None:
        return ""
    text = (f"deadline {late.deadline.isoformat(timespec='minutes')}, grace "
            f"{late.grace.total_seconds() / 60:g} min, {late.penalty_per_day:.0%} per started "
            f"day, at most {late.max_penalty:.0%}")
    if late.extensions:
        text += f", {len(late.extensions)} extension(s)"
    return text


def report_html(*, title: str, assignment_name: str, versions: list[str], generated: str,
                grades: list[Grade], cols: list[Column], analysis: Analysis, figures: dict,
                similarity, problems: list[str], not_graded: list[str], policy,
                statuses: dict[str, set[str]]) -> str:
    finals = [g.final for g in grades]
    max_score = grades[0].max_score if grades else sum(c.max_score * c.weight for c in cols)
    stats = {
        "mean": statistics.fmean(finals) if finals else 0.0,
        "median": statistics.median(finals) if finals else 0.0,
        "low": min(finals, default=0.0), "high": max(finals, default=0.0),
        "late": sum(g.lateness.is_late for g in grades),
        "review": sum(bool(g.review) for g in grades),
        "overridden": sum(bool(g.overridden) for g in grades)}

    def part(name, values, top):
        return (name, statistics.fmean(values) if values else 0.0,
                statistics.median(values) if values else 0.0, top)

    code_max = sum(c.max_score * c.weight for c in cols if c.kind != "rubric")
    rubric_max = sum(c.max_score * c.weight for c in cols if c.kind == "rubric")
    parts = [part("code exercises (automatic)", [g.code for g in grades], number(code_max)),
             part("written answers (automatic)", [g.rubric for g in grades], number(rubric_max)),
             part("TA overrides (change)", [g.overrides for g in grades], ""),
             part("late penalty", [g.penalty for g in grades], ""),
             part("final", finals, number(max_score))]
    return environment().get_template("report.html.j2").render(
        title=title, assignment_name=assignment_name, versions=versions, generated=generated,
        n=len(grades), max_score=max_score, stats=stats, parts=parts, analysis=analysis,
        figures=figures, exercise_rows=_exercise_rows(grades, cols, analysis),
        similarity=similarity, problems=problems, not_graded=not_graded,
        weights_text=_weights_text(cols), late_policy=_late_text(policy),
        students=_student_rows(grades, statuses, policy.late is not None))
