"""``autograder check``: the student's self-check, public checks only, in-process."""
from __future__ import annotations

from pathlib import Path

from ..assignment import Assignment
from ..results import SubmissionResult
from ..runner import grade


def main(*, directory: Path, exercises=None, assignment: Assignment,
         sandbox: str = "local", seed: int | None = None) -> SubmissionResult:
    """Public checks of the code exercises. Pen-and-paper answers are scored only when
    graded (their rubrics are the answer key, never shipped); see ``answers_status``."""
    return grade(directory, assignment, exercises=exercises, hidden=False, sandbox=sandbox,
                 seed=seed, name=Path(directory).resolve().name, rubrics=False)


def answers_status(directory: Path, assignment: Assignment) -> list[str]:
    """What a student should know about answers.md before handing in: which sections
    were found empty or not at all, and what the parser could not place."""
    from ..rubric import find_answers
    from ..rubric.parser import decode, parse

    numbers = [int(e.id[2:]) for e in assignment.select(kind="rubric")]
    if not numbers:
        return []
    path = find_answers(Path(directory))
    if path is None:
        return ["answers.md: not found (pen-and-paper exercises go there)"]
    text, _, problem = decode(path.read_bytes())
    if text is None:
        return [f"answers.md: {problem}"]
    parsed = parse(text, count=max(numbers))
    lines = []
    empty = [n for n in numbers if n not in parsed.sections or not parsed.sections[n].text.strip()]
    if empty:
        lines.append("answers.md: no answer yet for exercise(s) " + ", ".join(map(str, empty)))
    lines += [f"answers.md: {p}" for p in parsed.problems]
    return lines or [f"answers.md: all {len(numbers)} answers found"]
