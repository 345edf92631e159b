"""Grading one submission: every selected exercise, every check, one result document.

The runner lives in the trusted process. It draws the run's secret seed, computes
expected values through the checks (which may use the reference here), and reaches
the submission only through a backend's handles.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import replace
from pathlib import Path

import torch

from .assignment import Assignment, Exercise
from .backends import LocalBackend, ProcessBackend
from .errors import Blocked, CheckFailed, Missing, SubmissionError, SubmissionTimeout
from .registry import CheckSpec
from .results import CheckResult, ExerciseResult, SubmissionResult
from .sandbox.layers import SANDBOX_LAYERS



def check_seed(run_seed: int, check_id: str) -> int:
    digest = hashlib.sha256(f"{run_seed}:{check_id}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def _status_of(exc: BaseException) -> str:
    if isinstance(exc, CheckFailed):
        return "failed"
    if isinstance(exc, SubmissionTimeout):
        return "timeout"
    if isinstance(exc, Missing):
        return "missing"
    if isinstance(exc, Blocked):
        return "blocked"
    return "error"


class ExerciseSession:
    """The handles one exercise's checks share: the submission module and the kit."""

    def __init__(self, backend, exercise: Exercise, assignment: Assignment | None = None):
        self.backend, self.exercise, self.assignment = backend, exercise, assignment
        self._generation, self._sub, self._kit = None, None, None
        self._others: dict[str, object] = {}

    def _fresh(self):
        if self._generation != self.backend.generation:
            self._sub = self._kit = None
            self._others = {}
            self._generation = self.backend.generation

    def other(self, ex_id: str):
        """The submission's module for another exercise (one this one builds on)."""
        self._fresh()
        if ex_id not in self._others:
            module = self.assignment.exercises[ex_id].module
            self._others[ex_id] = self.backend.import_module(module)
        return self._others[ex_id]

    @property
    def sub(self):
        self._fresh()
        if self._sub is None:
            self._sub = self.backend.import_module(self.exercise.module)
        return self._sub

    @property
    def kit(self):
        self._fresh()
        if self._kit is None:
            self._kit = self.backend.import_module("mmkit")
        return self._kit

    def roots(self) -> set[int]:
        handles = (self._sub, self._kit, *self._others.values())
        return {h._oid for h in handles if h is not None}


def run_check(spec: CheckSpec, session: ExerciseSession, assignment: Assignment,
              run_seed: int, done: dict[str, CheckResult]) -> CheckResult:
    started = time.perf_counter()

    def result(status, message=""):
        score = spec.points if status == "passed" else 0.0
        return CheckResult(id=spec.id, score=score, max_score=spec.points, hidden=spec.hidden,
                           status=status, message=message,
                           seconds=round(time.perf_counter() - started, 3))

    unmet = _unmet(spec.requires, done)
    if unmet:
        return result("blocked", "needs " + ", ".join(unmet) + " to pass first")
    seed = check_seed(run_seed, spec.id)
    session.backend.timeout = spec.timeout
    try:
        available = {
            "sub": lambda: session.sub,
            "kit": lambda: session.kit,
            "ref": lambda: assignment.reference(spec.exercise),
            "rng": lambda: torch.Generator().manual_seed(seed),
            "seed": lambda: seed,
            "subs": lambda: _Others(session),
        }
        kwargs = {name: available[name]() for name in spec.arguments}
        with torch.random.fork_rng(devices=[]):  # checks never disturb each other's RNG
            torch.manual_seed(seed)
            spec.fn(**kwargs)
        return result("passed")
    except (CheckFailed, Missing, SubmissionError, SubmissionTimeout, Blocked) as e:
        return result(_status_of(e), str(e))
    except Exception as e:  # the check could not evaluate what came back
        return result("error", f"the grader could not evaluate the result "
                               f"({type(e).__name__}: {e})"[:2000])
    finally:
        session.backend.release_except(session.roots())


def replace_timeout(spec: CheckSpec, seconds: float) -> CheckSpec:
    return replace(spec, timeout=max(0.5, seconds))


class _Others:
    """``subs["ex16"]``: another exercise's module of the same submission."""

    def __init__(self, session: ExerciseSession):
        self._session = session

    def __getitem__(self, ex_id: str):
        return self._session.other(ex_id)


def _unmet(requires, done: dict[str, CheckResult]) -> list[str]:
    unmet = []
    for req in requires:
        if "." in req:
            got = done.get(req)
            if got is None or got.status != "passed":
                unmet.append(f"{req} ({got.status if got else 'not run'})")
        else:
            mine = [r for cid, r in done.items() if cid.split(".")[0] == req]
            if not mine or any(r.status != "passed" for r in mine):
                unmet.append(f"{req} (not all checks passed)")
    return unmet


def grade_exercise(exercise: Exercise, specs: list[CheckSpec], backend, assignment,
                   submission_dir: Path, run_seed: int, done: dict,
                   deadline: float | None = None, present: bool | None = None
                   ) -> ExerciseResult:
    """``present``: whether the submission holds the exercise (default: its file exists in
    ``submission_dir``; otter's bridge says so when the exercise lives in a namespace)."""
    def all_with(status, message):
        return [CheckResult(id=s.id, score=0.0, max_score=s.points, hidden=s.hidden,
                            status=status, message=message) for s in specs]

    if present is None:
        present = (submission_dir / exercise.file).is_file()
    if not present:
        checks = all_with("missing", f"no file {exercise.file} in the submission")
    else:
        session = ExerciseSession(backend, exercise, assignment)
        left = None if deadline is None else deadline - time.monotonic()
        try:
            if left is not None and left <= 0:
                raise SubmissionTimeout("not run: the submission used up its time budget")
            backend.timeout = max([s.timeout for s in specs] + [30.0])
            if left is not None:
                backend.timeout = max(0.5, min(backend.timeout, left))
            session.sub  # import once up front: an import error is the exercise's one message
            checks = None
        except (Missing, SubmissionError, SubmissionTimeout) as e:
            checks = all_with(_status_of(e), f"importing {exercise.file}: {e}")
        if checks is None:
            checks = []
            for spec in specs:
                if deadline is not None and time.monotonic() > deadline:
                    r = CheckResult(id=spec.id, score=0.0, max_score=spec.points,
                                    hidden=spec.hidden, status="timeout",
                                    message="not run: the submission used up its time budget")
                else:
                    if deadline is not None:  # no call may run past the budget
                        spec = replace_timeout(spec, min(spec.timeout, deadline - time.monotonic()))
                    r = run_check(spec, session, assignment, run_seed, done)
                done[spec.id] = r
                checks.append(r)
    for r in checks:
        done[r.id] = r
    return ExerciseResult.from_checks(exercise.id, exercise.title, exercise.kind, checks)


class SandboxMissing(RuntimeError):
    """``require_sandbox`` was asked for and a layer is not in force."""


def make_backend(submission_dir: Path, assignment: Assignment, sandbox: str, *,
                 zygote=None, slot: int = 0, hide=(), uid_base: int | None = None):
    """``local`` (in this process), ``process`` (a fresh interpreter), or ``sandbox``
    (forked from the zygote, with every isolation layer the OS allows)."""
    if sandbox == "local":
        return LocalBackend(submission_dir, assignment.module_names)
    if sandbox == "process":
        return ProcessBackend(submission_dir)
    from .sandbox.backend import SandboxBackend

    secrets_ = [assignment.root, assignment.path("reference", "reference"),
                assignment.path("checks", "checks"), assignment.path("wrong", "wrong")]
    return SandboxBackend(submission_dir, zygote=zygote, slot=slot, hide=[*secrets_, *hide],
                          uid_base=uid_base)


def grade(submission_dir: Path | str, assignment: Assignment, *, exercises=None,
          hidden: bool = True, sandbox: str = "process", seed: int | None = None,
          name: str | None = None, timeout_scale: float = 1.0, zygote=None, slot: int = 0,
          hide=(), require_sandbox: bool = False, budget: float | None = None,
          rubrics: bool = True, uid_base: int | None = None,
          only_checks=None) -> SubmissionResult:
    """Grade the code exercises of one submission folder.

    ``sandbox``: ``"local"`` imports the submission here (``check``, the student's own
    machine); ``"process"`` runs it in a fresh interpreter; ``"sandbox"`` forks it from
    ``zygote`` (one is started if none is given) with the isolation layers. ``hidden=False``
    runs only the public checks. ``seed`` fixes the run's secret seed (to reproduce a run).
    ``budget`` caps the seconds one submission may take in all; checks after it time out.
    ``rubrics`` scores the pen-and-paper answers (answers.md) of the selected exercises.
    ``only_checks``: run just these check ids of the exercises they belong to (every check
    of the others); results carry only the checks that ran.
    """
    submission_dir = Path(submission_dir).resolve()
    run_seed = secrets.randbits(62) if seed is None else int(seed)
    started = time.perf_counter()
    own_zygote = None
    if sandbox == "sandbox" and zygote is None:
        from .sandbox.client import Zygote
        zygote = own_zygote = Zygote()
    backend = make_backend(submission_dir, assignment, sandbox, zygote=zygote, slot=slot,
                           hide=hide, uid_base=uid_base)
    result = SubmissionResult(submission=name or submission_dir.name,
                              assignment=assignment.name,
                              assignment_version=assignment.version, seed=run_seed)
    done: dict[str, CheckResult] = {}
    deadline = None if budget is None else time.monotonic() + budget
    try:
        if require_sandbox:
            _require_layers(backend)
        # an exercise that builds on others is graded with them: its checks require theirs
        for exercise in assignment.select(assignment.with_dependencies(exercises), kind="code"):
            specs = [s for s in assignment.checks(exercise.id) if hidden or not s.hidden]
            if only_checks is not None and any(c.split(".")[0] == exercise.id
                                               for c in only_checks):
                specs = [s for s in specs if s.id in only_checks]
            if timeout_scale != 1.0:
                specs = [_scaled(s, timeout_scale) for s in specs]
            result.exercises.append(
                grade_exercise(exercise, specs, backend, assignment, submission_dir,
                               run_seed, done, deadline))
        if rubrics and assignment.select(exercises, kind="rubric"):
            # answers.md is text: read here as data, it never runs
            from .rubric import score_answers

            rubric_ids = [e.id for e in assignment.select(exercises, kind="rubric")]
            result.exercises += score_answers(submission_dir, assignment, rubric_ids)
    finally:
        result.output = backend.output_tail()  # before close: the sandbox removes its folder
        backend.close()
        if own_zygote is not None:
            own_zygote.close()
    result.sandbox = _layers_of(backend)
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _layers_of(backend) -> dict:
    if isinstance(backend, LocalBackend):
        return {layer: False for layer in SANDBOX_LAYERS}
    layers = getattr(backend, "layers", None)
    if layers is not None:
        return dict(layers)
    return {layer: layer == "separate_process" for layer in SANDBOX_LAYERS}


def _require_layers(backend) -> None:
    backend._before_request()
    missing = [k for k, v in _layers_of(backend).items() if not v]
    if missing:
        raise SandboxMissing("sandbox layers not in force: " + ", ".join(missing))


def _scaled(spec: CheckSpec, factor: float) -> CheckSpec:
    return replace_timeout(spec, spec.timeout * factor)
