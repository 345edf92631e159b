"""``autograder grade``: every check, hidden ones too, each submission sandboxed.

One submission or a batch (a folder of student folders and .zip files). With
``output``, each result is written atomically to ``output/<student>.json`` and
recorded in ``output/gradebook.db``; ``resume`` skips what is already graded for the
same content and assignment version, so a batch killed at any point (kill -9 too)
finishes on the next run with nothing lost and nothing graded twice. ``jobs`` slots
grade in parallel, each a process of its own with its own zygote and uid.
"""
from __future__ import annotations

import atexit
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..assignment import Assignment
from ..gradebook import Gradebook
from ..overrides import apply_overrides
from ..results import CheckResult, ExerciseResult, SubmissionResult
from ..runner import grade
from ..submissions import is_submission
from ..unpack import Incoming, RejectedArchive, content_hash, safe_extract


@dataclass
class Options:
    exercises: list | None = None
    seed: int | None = None
    hidden: bool = True
    sandbox: str = "sandbox"
    require_sandbox: bool = False
    budget: float | None = 900.0      # seconds a submission may take in all
    hide: list = field(default_factory=list)
    uid_base: int | None = None       # first slot uid of this run (see run_uid_base)


@dataclass
class Summary:
    graded: int = 0
    skipped: int = 0
    results: list = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {}
        for r in self.results:
            for c in r.checks():
                out[c.status] = out.get(c.status, 0) + 1
        return out


# -- what arrives ----------------------------------------------------------------
def collect(paths, assignment: Assignment, staging: Path) -> list[Incoming]:
    """The submissions ``paths`` name, zips unpacked into ``staging``."""
    found: list[tuple[str, Path]] = []
    for p in map(Path, paths):
        if not p.exists():
            raise FileNotFoundError(f"no such submission or folder: {p}")
        if p.is_file() and p.suffix == ".zip" or is_submission(p, assignment):
            found.append((p.stem if p.is_file() else p.resolve().name, p))
        elif p.is_dir():
            found += [(c.stem if c.is_file() else c.name, c) for c in sorted(p.iterdir())
                      if not c.name.startswith(".") and (c.is_dir() or c.suffix == ".zip")]
    incoming, seen = [], set()
    for name, path in found:
        if name in seen:
            raise ValueError(f"two submissions are named {name!r}: rename one")
        seen.add(name)
        if path.is_file():
            try:
                incoming.append(Incoming(name, safe_extract(path, staging / name)))
            except RejectedArchive as e:
                incoming.append(Incoming(name, path, rejected=str(e)))
            except Exception as e:  # a corrupt member, a file where a folder must go, ...
                incoming.append(Incoming(name, path, rejected=f"it could not be unpacked "
                                                              f"({type(e).__name__}: {e})"))
        else:
            incoming.append(Incoming(name, path))
    return incoming


def rejected_result(inc: Incoming, assignment: Assignment, exercises) -> SubmissionResult:
    result = SubmissionResult(submission=inc.name, assignment=assignment.name,
                              assignment_version=assignment.version)
    for ex in assignment.select(exercises, kind="code"):
        checks = [CheckResult(id=s.id, score=0.0, max_score=s.points, hidden=s.hidden,
                              status="error", message=f"the submission was refused: {inc.rejected}")
                  for s in assignment.checks(ex.id)]
        result.exercises.append(ExerciseResult.from_checks(ex.id, ex.title, ex.kind, checks))
    return result


def hidden_inputs(paths, collapse: int = 8) -> set[str]:
    """Folders the children must not see: the inputs, each a folder or a zip's folder.
    Many paths under one parent (``grade subs/*``) become that parent, so the list
    stays short; the root folder itself is never hidden."""
    by_parent: dict[Path, set[str]] = {}
    for p in map(Path, paths):
        p = p.resolve()
        folder = p if p.is_dir() else p.parent
        by_parent.setdefault(folder.parent, set()).add(str(folder))
    hidden = set()
    for parent, folders in by_parent.items():
        if len(folders) > collapse and parent != Path(parent.anchor):
            hidden.add(str(parent))
        else:
            hidden |= folders
    return {h for h in hidden if not any(h != o and h.startswith(o + "/") for o in hidden)}


# -- one slot of a parallel batch (a process of its own) ----------------------------
_SLOT: dict = {}


def _slot_init(counter, root: str) -> None:
    import torch

    torch.set_num_threads(1)
    with counter.get_lock():
        _SLOT["slot"] = counter.value
        counter.value += 1
    _SLOT["assignment"] = Assignment.load(root)
    _SLOT["zygote"] = None


def _slot_grade(path: str, name: str, opts: Options) -> dict:
    if _SLOT["zygote"] is None and opts.sandbox == "sandbox":
        from ..sandbox.client import Zygote

        _SLOT["zygote"] = Zygote()
        atexit.register(_SLOT["zygote"].close)
    return _grade_one(Path(path), name, _SLOT["assignment"], opts, _SLOT["zygote"],
                      _SLOT["slot"]).to_dict()


def _grade_one(path: Path, name: str, assignment, opts: Options, zygote, slot) -> SubmissionResult:
    return grade(path, assignment, exercises=opts.exercises, hidden=opts.hidden,
                 sandbox=opts.sandbox, seed=opts.seed, name=name, zygote=zygote, slot=slot,
                 hide=opts.hide, require_sandbox=opts.require_sandbox, budget=opts.budget,
                 uid_base=opts.uid_base)


# -- the batch -----------------------------------------------------------------------
def _already_graded(inc: Incoming, digest: str, output: Path, book: Gradebook,
                    assignment: Assignment) -> SubmissionResult | None:
    """The recorded result, if this exact content was graded for this version."""
    path = output / f"{inc.name}.json"
    try:
        result = SubmissionResult.from_json_file(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if result.content_hash != digest or result.assignment_version != assignment.version:
        return None
    if book.graded(inc.name) != (digest, assignment.version):
        book.record(result, None, path)  # written, then killed before it was recorded
    return result


def main(*, paths, assignment: Assignment, output: Path | None = None, jobs: int = 1,
         resume: bool = False, options: Options | None = None,
         on_result: Callable[[SubmissionResult], None] | None = None,
         progress: Callable[[int, int], None] | None = None) -> Summary:
    opts = options or Options()
    staging = Path(tempfile.mkdtemp(prefix="autograder-unpacked-"))
    summary = Summary()
    try:
        incoming = collect(paths, assignment, staging)
        opts.hide = sorted({*opts.hide, *hidden_inputs(paths)})
        if opts.uid_base is None:
            from ..sandbox.client import run_uid_base
            opts.uid_base = run_uid_base()
        if output is not None:
            opts.hide.append(str(Path(output).resolve()))
        book = Gradebook(Path(output) / "gradebook.db") if output is not None else None
        run_id = book.start_run(assignment.name, assignment.version, " ".join(sys.argv)) if book else None
        todo = []
        for inc in incoming:
            digest = content_hash(inc.path)
            if resume and book is not None:
                done = _already_graded(inc, digest, Path(output), book, assignment)
                if done is not None:
                    summary.skipped += 1
                    summary.results.append(done)
                    continue
            todo.append((inc, digest))
        total = len(todo)

        def finish(result: SubmissionResult, digest: str):
            result.content_hash = digest
            if output is not None:
                path = Path(output) / f"{result.submission}.json"
                result = apply_overrides(result, Path(output) / "gradebook.db")  # TA's word wins
                result.write(path)          # atomic: all or nothing
                book.record(result, run_id, path)
            summary.graded += 1
            summary.results.append(result)
            if on_result:
                on_result(result)
            if progress:
                progress(summary.graded, total)

        for inc, digest in [t for t in todo if t[0].rejected]:
            finish(rejected_result(inc, assignment, opts.exercises), digest)
        todo = [t for t in todo if not t[0].rejected]
        if jobs <= 1 or len(todo) <= 1:
            zygote = None
            try:
                for inc, digest in todo:
                    if zygote is None and opts.sandbox == "sandbox":
                        from ..sandbox.client import Zygote
                        zygote = Zygote()
                    finish(_grade_one(inc.path, inc.name, assignment, opts, zygote, 0), digest)
            finally:
                if zygote is not None:
                    zygote.close()
        else:
            ctx = mp.get_context("spawn")
            counter = ctx.Value("i", 0)
            with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_slot_init,
                                     initargs=(counter, str(assignment.root))) as pool:
                futures = {pool.submit(_slot_grade, str(inc.path), inc.name, opts): digest
                           for inc, digest in todo}
                names = {fut: inc.name for fut, inc in zip(futures, (t[0] for t in todo))}
                for fut in as_completed(futures):
                    try:
                        result = SubmissionResult.from_dict(fut.result())
                    except Exception as e:  # the grader's own failure: say so, go on
                        result = rejected_result(
                            Incoming(names[fut], Path("."), f"the grader failed ({e})"),
                            assignment, opts.exercises)
                    finish(result, futures[fut])
        if book is not None:
            book.finish_run(run_id, summary.graded, summary.skipped)
            book.close()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary
