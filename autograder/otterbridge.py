"""Our registered checks as otter-grader test cases, run against the student's namespace.

``autograder otter export`` writes one otter test file per exercise (otter's exception
format); each case calls ``case`` (a code check) or ``rubric_case`` (a slice of a rubric
criterion) here. The first case of an exercise grades the whole exercise once, through the
same ``grade_exercise`` that ``autograder grade`` runs, and the other cases read the
results: a case raises ``AssertionError`` with our message when its check did not pass.
Exercises one builds on are graded first, so a broken dependency reports ``blocked``.

Where an exercise's functions come from, in this order:

1. a module of that name in otter's ``env`` (the driver notebook of ``autograder otter
   pack`` imports every exercise file into its namespace);
2. ``env`` itself, when it defines every public name of the exercise (``otter check
   ex13_clip_loss.py``: otter runs the script and hands over its globals);
3. the exercise's file in the working folder, imported as ``autograder check`` does.

Under otter the submission runs in the grader's own process, as otter always does: no
sandbox, and the reference files the autograder zip carries are on the same disk. The
scores equal ``autograder grade``'s; the isolation does not (README.md, "otter-grader").
"""
from __future__ import annotations

import secrets
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

from .assignment import Assignment, find_assignment
from .backends import LocalBackend
from .results import CheckResult, ExerciseResult
from .runner import grade_exercise

# a rubric criterion becomes QUARTERS cases, each a quarter of its points, passing when the
# automatic score reaches that quarter (otter scores a case all or nothing)
QUARTERS = 4


@dataclass
class _Session:
    """One student namespace being graded: the results of every exercise graded in it."""
    env: dict
    assignment: Assignment
    folder: Path
    seed: int
    hidden: bool
    done: dict[str, CheckResult] = field(default_factory=dict)
    exercises: dict[str, ExerciseResult] = field(default_factory=dict)


_SESSIONS: list[_Session] = []


class NamespaceBackend(LocalBackend):
    """``LocalBackend`` whose exercise modules may come from otter's namespace: ``modules``
    are installed in ``sys.modules`` so that the engine's imports find them."""

    def __init__(self, folder: Path, modules: dict[str, types.ModuleType], module_names=(),
                 timeout: float = 30.0):
        super().__init__(folder, module_names, timeout)
        sys.modules.update(modules)


def _session(env: dict, settings: dict) -> _Session:
    hidden = bool(settings.get("hidden", True))
    for s in _SESSIONS:
        if s.env is env and s.hidden == hidden:
            return s
    root = find_assignment()  # $AUTOGRADER_ASSIGNMENT, upward from here, or the bundle's
    assignment = Assignment.load(root)
    want, version = settings.get("assignment"), settings.get("version")
    if want and assignment.name != want:
        raise AssertionError(f"these otter tests are for assignment {want!r}, but the one "
                             f"found at {root} is {assignment.name!r}; set "
                             "AUTOGRADER_ASSIGNMENT")
    if version and assignment.version != version:
        raise AssertionError(f"these otter tests were exported from {want} {version}, but the "
                             f"assignment at {root} is {assignment.version}: export them again "
                             "(autograder otter export)")
    seed = settings.get("seed")
    s = _Session(env=env, assignment=assignment, folder=Path.cwd(),
                 seed=secrets.randbits(62) if seed is None else int(seed), hidden=hidden)
    _SESSIONS.append(s)
    return s


def module_from_env(env: dict, module: str, names) -> types.ModuleType | None:
    """The exercise's module as the namespace holds it, or None (then the file is used)."""
    found = env.get(module)
    if isinstance(found, types.ModuleType):
        return found
    if names and all(n in env for n in names):
        m = types.ModuleType(module)
        m.__dict__.update({k: v for k, v in env.items() if not k.startswith("__")})
        return m
    return None


def _grade(session: _Session, ex_id: str, names: dict) -> None:
    """Grade ``ex_id`` and the exercises it builds on, each once per session."""
    a = session.assignment
    todo = [e for e in a.select(a.with_dependencies([ex_id]), kind="code")
            if e.id not in session.exercises]
    if not todo:
        return
    modules = {}
    for e in todo:
        m = module_from_env(session.env, e.module, names.get(e.id, ()))
        if m is not None:
            modules[e.module] = m
    backend = NamespaceBackend(session.folder, modules, a.module_names)
    try:
        for e in todo:
            specs = [s for s in a.checks(e.id) if session.hidden or not s.hidden]
            present = e.module in modules or (session.folder / e.file).is_file()
            session.exercises[e.id] = grade_exercise(
                e, specs, backend, a, session.folder, session.seed, session.done,
                present=present)
    finally:
        backend.close()


def _feedback(r: CheckResult) -> str:
    return f"{r.id} {r.status}: {r.message}" if r.message else f"{r.id} {r.status}"


def case(env: dict, check_id: str, settings: dict) -> None:
    """One otter case: pass when our check ``check_id`` passed on this namespace."""
    session = _session(env, settings)
    ex_id = check_id.split(".")[0]
    _grade(session, ex_id, settings.get("names", {}))
    result = next((c for c in session.exercises[ex_id].checks if c.id == check_id), None)
    if result is None:
        raise AssertionError(f"{check_id} is not a check of this assignment's {ex_id} (were "
                             "the otter tests exported from another version?)")
    if result.status != "passed":
        raise AssertionError(_feedback(result))


def rubric_case(env: dict, criterion_id: str, quarter: int, settings: dict) -> None:
    """Quarter ``quarter`` (1-4) of a rubric criterion: pass when the automatic score of
    answers.md reaches ``quarter / 4`` of the criterion's points."""
    from .rubric import score_answers

    session = _session(env, settings)
    ex_id = criterion_id.split(".")[0]
    if ex_id not in session.exercises:
        session.exercises[ex_id] = score_answers(session.folder, session.assignment,
                                                 [ex_id])[0]
    result = next((c for c in session.exercises[ex_id].checks if c.id == criterion_id), None)
    if result is None:
        raise AssertionError(f"{criterion_id} is not a criterion of {ex_id}'s rubric")
    reached = quarters_reached(result.score, result.max_score)
    if quarter > reached + 1:  # the first quarter missed carries the feedback
        raise AssertionError(f"{result.score:g} of {result.max_score:g} point(s): see "
                             f"{criterion_id} ({reached + 1}/{QUARTERS})")
    if quarter > reached:
        raise AssertionError(f"{result.score:g} of {result.max_score:g} point(s), below "
                             f"{quarter}/{QUARTERS}: " + _feedback(result))


def quarters_reached(score: float, max_score: float) -> int:
    """How many of a criterion's quarter cases its score passes."""
    if max_score <= 0:
        return QUARTERS
    return sum(score >= max_score * q / QUARTERS - 1e-9 for q in range(1, QUARTERS + 1))


def quartered(score: float, max_score: float) -> float:
    """What otter's quarter cases award for a criterion scored ``score`` of ``max_score``."""
    return max_score * quarters_reached(score, max_score) / QUARTERS


def otter_score(exercise: ExerciseResult) -> float:
    """What otter's cases award an exercise graded as ``exercise``: a code exercise's score;
    a rubric exercise's criteria each floored to a quarter."""
    if exercise.kind != "rubric":
        return exercise.score
    return sum(quartered(c.score, c.max_score) for c in exercise.checks)
