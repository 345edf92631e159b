"""An assignment on disk: ``assignment.yaml``, its check modules, its reference.

The engine knows an assignment only through this file; everything about Chapter 30
lives in ``assignments/ch30/``.
"""
from __future__ import annotations

import importlib
import os
import sys
import types
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from .registry import CheckSpec, collect

KINDS = ("code", "rubric")
ENV_VAR = "AUTOGRADER_ASSIGNMENT"


class AssignmentError(ValueError):
    pass


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    kind: str
    points: float
    file: str = ""                 # code: the submission's file, "ex13_clip_loss.py"
    depends: tuple = ()            # exercise ids whose code this one builds on

    @property
    def module(self) -> str:
        return Path(self.file).stem


@dataclass
class Assignment:
    root: Path
    name: str
    title: str
    version: str
    exercises: dict[str, Exercise]
    paths: dict = field(default_factory=dict)

    # -- loading -----------------------------------------------------------------
    @classmethod
    def load(cls, path: Path | str | None = None) -> "Assignment":
        root = find_assignment(path)
        file = root / "assignment.yaml"
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise AssignmentError(f"{file}: not valid YAML: {e}") from None
        if not isinstance(data, dict) or "exercises" not in data:
            raise AssignmentError(f"{file}: expected a mapping with an 'exercises' key")
        exercises = {}
        for ex_id, spec in data["exercises"].items():
            where = f"{file}: exercises.{ex_id}"
            if not isinstance(spec, dict):
                raise AssignmentError(f"{where}: expected a mapping")
            kind = spec.get("kind")
            if kind not in KINDS:
                raise AssignmentError(f"{where}.kind: expected one of {KINDS}, got {kind!r}")
            if kind == "code" and not str(spec.get("file", "")).endswith(".py"):
                raise AssignmentError(f"{where}.file: a code exercise needs a .py file name")
            try:
                points = float(spec["points"])
            except (KeyError, TypeError, ValueError):
                raise AssignmentError(f"{where}.points: expected a number") from None
            depends = tuple(spec.get("depends", ()))
            exercises[ex_id] = Exercise(id=ex_id, title=str(spec.get("title", ex_id)),
                                        kind=kind, points=points,
                                        file=str(spec.get("file", "")), depends=depends)
        for ex in exercises.values():
            unknown = [d for d in ex.depends if d not in exercises]
            if unknown:
                raise AssignmentError(f"{file}: exercises.{ex.id}.depends names unknown {unknown}")
        return cls(root=root, name=str(data.get("name", root.name)),
                   title=str(data.get("title", root.name)), version=str(data.get("version", "0")),
                   exercises=exercises, paths=dict(data.get("paths", {})))

    def path(self, key: str, default: str) -> Path:
        return (self.root / self.paths.get(key, default)).resolve()

    # -- exercises ---------------------------------------------------------------
    def select(self, ids=None, kind: str | None = None) -> list[Exercise]:
        if ids:
            unknown = [i for i in ids if i not in self.exercises]
            if unknown:
                raise AssignmentError(f"unknown exercise(s) {unknown}; "
                                      f"known: {', '.join(self.exercises)}")
        chosen = [e for e in self.exercises.values()
                  if (not ids or e.id in ids) and (kind is None or e.kind == kind)]
        return chosen

    def with_dependencies(self, ids) -> list[str] | None:
        """``ids`` and every exercise they build on (transitively), in assignment order."""
        if not ids:
            return ids
        wanted, stack = set(), list(ids)
        while stack:
            ex = stack.pop()
            if ex in self.exercises and ex not in wanted:
                wanted.add(ex)
                stack.extend(self.exercises[ex].depends)
        unknown = [e for e in ids if e not in self.exercises]  # select() names them
        return [e for e in self.exercises if e in wanted] + unknown

    @property
    def module_names(self) -> tuple[str, ...]:
        return tuple(e.module for e in self.exercises.values() if e.kind == "code")

    # -- checks and reference (trusted process only) -----------------------------
    @cached_property
    def _checks_package(self) -> str:
        return _package(f"_autograder_checks_{self.name}", self.path("checks", "checks"))

    def checks(self, ex_id: str) -> list[CheckSpec]:
        ex = self.exercises[ex_id]
        if ex.kind != "code":
            return []
        file = self.path("checks", "checks") / ex.file
        if not file.exists():
            raise AssignmentError(f"no checks for {ex_id}: {file} does not exist")
        module = importlib.import_module(f"{self._checks_package}.{ex.module}")
        specs = collect(module)
        wrong = [s.id for s in specs if s.exercise != ex_id]
        if wrong:
            raise AssignmentError(f"{file}: check ids {wrong} do not start with '{ex_id}.'")
        return specs

    def has_reference(self) -> bool:
        return self.path("reference", "reference").is_dir()

    def reference(self, ex_id: str):
        """The hidden solution module, imported here, never in the submission's process.

        Reference files import each other as students do (``from ex16_vlm import
        TinyVLM``). Those bare names are resolved against reference/ alone and then
        moved under a private package, so they never meet a submission's modules of
        the same names (which the in-process backend imports here).
        """
        ref_dir = self.path("reference", "reference")
        package = _package(f"_autograder_reference_{self.name}", ref_dir)
        name = f"{package}.{self.exercises[ex_id].module}"
        if name in sys.modules:
            return sys.modules[name]
        bare = set(self.module_names)
        stashed = {n: sys.modules.pop(n) for n in list(sys.modules) if n in bare}
        sys.path.insert(0, str(ref_dir))
        try:
            module = importlib.import_module(name)
        finally:
            sys.path.remove(str(ref_dir))
            for n in [n for n in sys.modules if n in bare]:
                sys.modules[f"{package}.{n}"] = sys.modules.pop(n)
            sys.modules.update(stashed)
        return module


def _package(name: str, directory: Path) -> str:
    """Make ``directory`` importable as the package ``name`` without touching sys.path."""
    if name not in sys.modules:
        pkg = types.ModuleType(name)
        pkg.__path__ = [str(directory)]
        sys.modules[name] = pkg
    return name


def find_assignment(path=None) -> Path:
    """The assignment folder: given, $AUTOGRADER_ASSIGNMENT, found upward from the current
    folder (``assignment.yaml`` or ``assignments/*/assignment.yaml``), or the one this
    engine ships beside."""
    candidates = []
    if path:
        candidates.append(Path(path))
    elif os.environ.get(ENV_VAR):
        candidates.append(Path(os.environ[ENV_VAR]))
    else:
        here = Path.cwd().resolve()
        for folder in (here, *here.parents):
            candidates.append(folder)
            candidates.extend(sorted(folder.glob("assignments/*")))
        candidates.extend(sorted((Path(__file__).resolve().parents[1] / "assignments").glob("*")))
    for c in candidates:
        c = c.resolve()
        if (c / "assignment.yaml").is_file():
            return c
        if c.name == "assignment.yaml" and c.is_file():
            return c.parent
    raise AssignmentError("no assignment found: pass --assignment DIR (a folder with "
                          "assignment.yaml) or set " + ENV_VAR)
