"""Pen-and-paper exercises: ``answers.md`` scored against ``rubrics/exNN.yaml``.

``score_answers(submission_dir, assignment)`` gives one ``ExerciseResult`` (kind
``rubric``) per rubric exercise. Its checks are the rubric's criteria
(``ex02.token_count``): ``score`` may be partial; ``status`` is ``passed`` only with
full points, ``failed`` otherwise (the message then says what was found and what
full credit needs); ``missing`` when there is no answers.md or no answer for the
exercise; ``error`` when answers.md cannot be read (the message says what broke).
Every check's ``message`` quotes the evidence sentence that earned its points.

``ExerciseResult.review`` is always set for rubric exercises:
``{"needed": bool, "confidence": float, "reason": str}`` (plus ``"notes"`` when the
parser had something to say). Consumers test ``review["needed"]``; ``confidence`` is
in [0, 1] and the answer is marked when it falls below the rubric's threshold (0.6),
or when a detector fired (keyword list, question echo, another language, swapped
sections, unparseable file).
"""
from __future__ import annotations

import time
from pathlib import Path

from ..assignment import Assignment
from ..results import CheckResult, ExerciseResult
from .parser import ParsedAnswers, decode, parse
from .schema import REVIEW_THRESHOLD, Rubric, RubricError, load_rubric, load_rubrics
from .scorer import AnswerScore, score_text

__all__ = ["score_answers", "score_document", "load_rubrics", "load_rubric", "RubricError",
           "Rubric", "parse", "score_text", "AnswerScore", "REVIEW_THRESHOLD", "ANSWER_NAMES",
           "find_answers"]

ANSWER_NAMES = ("answers.md", "answers.markdown", "answers.txt", "answer.md")
MAX_BYTES = 2_000_000


def find_answers(submission_dir: Path) -> Path | None:
    """``answers.md`` in the submission (any letter case; .markdown/.txt accepted)."""
    folder = Path(submission_dir)
    if not folder.is_dir():
        return None
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for name in ANSWER_NAMES:
        if name in files:
            return files[name]
    return None


def _number(ex_id: str) -> int:
    return int("".join(ch for ch in ex_id if ch.isdigit()) or 0)


def _template(assignment: Assignment) -> str | None:
    path = assignment.root / "answers_template.md"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _all(rubric: Rubric, title: str, status: str, message: str, review: dict | None,
         kind: str = "rubric") -> ExerciseResult:
    checks = [CheckResult(id=f"{rubric.exercise}.{c.id}", score=0.0, max_score=c.points,
                          hidden=False, status=status, message=message)
              for c in rubric.criteria]
    result = ExerciseResult.from_checks(rubric.exercise, title, kind, checks)
    result.review = review
    return result


def score_answers(submission_dir: Path, assignment: Assignment,
                  exercise_ids: list[str] | None = None) -> list[ExerciseResult]:
    """Score the submission's ``answers.md``: one result per selected rubric exercise."""
    rubrics = load_rubrics(assignment)               # all, to notice swapped sections
    chosen = [e for e in assignment.select(exercise_ids, kind="rubric")]
    if not chosen:
        return []
    path = find_answers(Path(submission_dir))
    if path is None:
        return [_all(rubrics[e.id], e.title, "missing", "no answers.md in the submission",
                     {"needed": False, "confidence": 1.0, "reason": "no answers.md"})
                for e in chosen]
    data = path.read_bytes()[:MAX_BYTES + 1]
    notes = []
    if len(data) > MAX_BYTES:
        data = data[:MAX_BYTES]
        notes.append(f"{path.name} is larger than {MAX_BYTES} bytes; only the start was read")
    if path.name.lower() != "answers.md":
        notes.append(f"answers were read from {path.name} (expected answers.md)")
    return score_document(data, rubrics, [(e.id, e.title) for e in chosen],
                          template=_template(assignment), notes=notes)


def score_document(data: bytes | str, rubrics: dict[str, Rubric],
                   exercises: list[tuple[str, str]] | None = None,
                   template: str | None = None, notes: list[str] | None = None
                   ) -> list[ExerciseResult]:
    """Score an answers document (bytes or text) against ``rubrics``.

    ``exercises``: (id, title) pairs to score, in order (default: every rubric)."""
    if exercises is None:
        exercises = [(ex_id, r.title) for ex_id, r in sorted(rubrics.items())]
    notes = list(notes or [])
    if isinstance(data, bytes):
        text, _encoding, problem = decode(data)
    else:
        text, problem = data, None
    if problem:
        notes.append(problem)
    if text is None:
        return [_all(rubrics[ex_id], title, "error", problem,
                     {"needed": True, "confidence": 0.0, "reason": problem})
                for ex_id, title in exercises]
    numbers = {_number(ex_id): ex_id for ex_id in rubrics}
    questions = {n: rubrics[ex_id].question for n, ex_id in numbers.items()}
    parsed = parse(text, count=max(numbers) if numbers else 10, questions=questions,
                   template=template)
    notes += parsed.problems
    if parsed.fatal:
        return [_all(rubrics[ex_id], title, "error", parsed.fatal,
                     {"needed": True, "confidence": 0.0, "reason": parsed.fatal,
                      **({"notes": notes} if notes else {})})
                for ex_id, title in exercises]
    return [score_section(parsed, rubrics, ex_id, title, notes) for ex_id, title in exercises]


def score_section(parsed: ParsedAnswers, rubrics: dict[str, Rubric], ex_id: str, title: str,
                  notes: list[str]) -> ExerciseResult:
    started = time.perf_counter()
    rubric = rubrics[ex_id]
    number = _number(ex_id)
    section = parsed.sections.get(number)
    if section is None or not section.text.strip():
        what = (f"no answer: answers.md has no 'Exercise {number}' section" if section is None
                else f"no answer: the 'Exercise {number}' section (line {section.line}) is empty")
        review = {"needed": False, "confidence": 1.0, "reason": what}
        if section is None and parsed.unassigned:
            review = {"needed": True, "confidence": 0.3,
                      "reason": f"{what}, but answers.md has text outside any exercise section "
                                f"({parsed.unassigned_lines}): it may be this answer"}
        if notes:
            review["notes"] = notes
        return _all(rubric, title, "missing", what, review)

    scored = score_text(section.text, rubric, rubrics)
    seconds = round((time.perf_counter() - started) / max(1, len(scored.criteria)), 4)
    checks = [CheckResult(id=f"{ex_id}.{cs.criterion.id}", score=cs.score,
                          max_score=cs.criterion.points, hidden=False, status=cs.status,
                          message=cs.message, seconds=seconds)
              for cs in scored.criteria]
    result = ExerciseResult.from_checks(ex_id, title, "rubric", checks)
    reasons = list(scored.reasons)
    needed = scored.confidence < rubric.review_threshold or bool(
        scored.flags & {"language", "echo", "keyword_list", "other_exercise"})
    if number in parsed.duplicates:
        reasons.append(f"Exercise {number} had two sections; they were scored together")
        needed = True
    review = {"needed": needed, "confidence": scored.confidence,
              "reason": "; ".join(reasons) if reasons else "confident"}
    if notes:
        review["notes"] = notes
    result.review = review
    return result
