"""Per-student feedback, Markdown and HTML, from one view of the result.

Public checks are shown in full. Hidden checks, as the instructor chooses
(``show_hidden``): ``none``: only how many points they gave, together; ``names``:
each one's name, status and points, no message; ``full``: with the message. The
submission's captured output is shown only with ``full`` (it may echo hidden inputs).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..results import SubmissionResult
from .exports import SHOW_HIDDEN
from .grades import Column, Grade
from .safe import md_code_block, md_text, number

STATUS_WORD = {"passed": "passed", "failed": "failed", "error": "error", "timeout": "timed out",
               "blocked": "blocked", "missing": "missing"}


@dataclass
class CheckView:
    id: str
    status: str
    score: float
    max_score: float
    message: str | None          # None: withheld
    hidden: bool = False

    @property
    def points(self) -> str:
        return f"{number(self.score)} / {number(self.max_score)}"

    @property
    def word(self) -> str:
        return STATUS_WORD.get(self.status, self.status)


@dataclass
class ExerciseView:
    id: str
    title: str
    kind: str
    score: float
    max_score: float
    auto: float
    checks: list[CheckView] = field(default_factory=list)
    hidden_count: int = 0        # hidden checks not listed (show_hidden == "none")
    hidden_score: float = 0.0
    hidden_max: float = 0.0
    override: dict | None = None
    review_needed: bool = False


@dataclass
class FeedbackView:
    assignment: str
    student: str
    grade: Grade
    exercises: list[ExerciseView]
    show_hidden: str
    output: str = ""


def view(result: SubmissionResult, grade: Grade, cols: list[Column], assignment_title: str,
         show_hidden: str = "none") -> FeedbackView:
    if show_hidden not in SHOW_HIDDEN:
        raise ValueError(f"show_hidden must be one of {SHOW_HIDDEN}, got {show_hidden!r}")
    titles = {c.id: c.title for c in cols}
    exercises = []
    for ex in result.exercises:
        ev = ExerciseView(ex.id, titles.get(ex.id, ex.title), ex.kind, ex.score, ex.max_score,
                          grade.auto.get(ex.id, ex.score), override=ex.override,
                          review_needed=bool(ex.review and ex.review.get("needed")))
        for c in ex.checks:
            if c.hidden and show_hidden == "none":
                ev.hidden_count += 1
                ev.hidden_score += c.score
                ev.hidden_max += c.max_score
                continue
            message = c.message if (not c.hidden or show_hidden == "full") else None
            ev.checks.append(CheckView(c.id, c.status, c.score, c.max_score, message, c.hidden))
        exercises.append(ev)
    return FeedbackView(assignment_title, result.submission, grade, exercises, show_hidden,
                        result.output if show_hidden == "full" else "")


def markdown(v: FeedbackView) -> str:
    g = v.grade
    out = [f"# {md_text(v.assignment)}: feedback for {md_text(v.student)}", "",
           f"**Score: {number(g.final)} / {number(g.max_score)}**", ""]
    out += [f"- code exercises (automatic): {number(g.code)}",
            f"- written answers (automatic): {number(g.rubric)}"]
    if abs(g.overrides) > 1e-9:
        sign = "+" if g.overrides > 0 else "−"
        out.append(f"- changed by your TA: {sign}{number(abs(g.overrides))}")
    late = g.lateness
    if late.is_late:
        out.append(f"- late by {late.days} day(s): {late.fraction:.0%} off the raw score "
                   f"{number(g.raw)} (−{number(g.penalty)})")
    if g.review:
        out.append(f"- still to be reviewed by a TA: {', '.join(g.review)} (scores may change)")
    out.append("")
    for ex in v.exercises:
        out += [f"## {md_text(ex.id)} {md_text(ex.title)}: "
                f"{number(ex.score)} / {number(ex.max_score)}", ""]
        if ex.override:
            o = ex.override
            out += [f"*TA override by {md_text(o.get('by', ''))}: "
                    f"{number(o.get('score', ex.score))} "
                    f"(automatic score {number(ex.auto)})"
                    + (f": {md_text(o.get('comment', ''))}" if o.get("comment") else "") + "*", ""]
        if ex.review_needed:
            out += ["*This answer waits for a TA's review; the score is provisional.*", ""]
        for c in ex.checks:
            mark = "✓" if c.status == "passed" else "✗"
            line = f"- {mark} `{c.id}`{' (hidden)' if c.hidden else ''}: {c.word}, {c.points}"
            if c.message:
                line += f" — {md_text(c.message)}"
            out.append(line)
        if ex.hidden_count:
            out.append(f"- hidden checks ({ex.hidden_count}): {number(ex.hidden_score)} / "
                       f"{number(ex.hidden_max)} points")
        out.append("")
    if v.output:
        out += ["## Output of your code while it was graded", "", md_code_block(v.output), ""]
    return "\n".join(out)
