"""``@check``: a plain function becomes a graded check.

    @check("ex13.symmetric", points=1, hidden=True)
    def symmetric(sub, ref, rng): ...

Arguments are filled by name (as otter fills test cases): ``sub`` the submission's
module (a handle), ``ref`` the reference module (trusted process only; hidden checks
only, since the student bundle has no reference), ``rng`` a ``torch.Generator`` seeded
from the run's secret seed and the check id, ``kit`` the course kit as seen from the
submission's side (a handle, for objects the submission must be handed), ``seed`` the
check's integer seed, ``subs`` the submission's other exercise modules by exercise id
(``subs["ex16"].TinyVLM``), for exercises that build on earlier ones; name those
earlier checks in ``requires`` so a broken dependency reports ``blocked``.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

ARGUMENTS = ("sub", "ref", "rng", "kit", "seed", "subs")


@dataclass(frozen=True)
class CheckSpec:
    id: str                      # "ex13.symmetric": exercise id, a dot, a short name
    points: float                # what passing earns
    hidden: bool = False         # hidden checks run only in `grade`; students never see them
    timeout: float = 30.0        # seconds per call into the submission
    requires: tuple = ()         # check ids (or exercise ids) that must pass first
    description: str = ""        # one line for reports; the docstring's first line by default
    fn: Callable = field(default=None, compare=False, repr=False)

    @property
    def exercise(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def arguments(self) -> tuple[str, ...]:
        return tuple(inspect.signature(self.fn).parameters)


def check(id: str, *, points: float = 1.0, hidden: bool = False, timeout: float = 30.0,
          requires=(), description: str = ""):
    """Register ``fn`` as the check ``id``; see the module docstring for its arguments."""
    if "." not in id:
        raise ValueError(f"check id must be 'exNN.name', got {id!r}")

    def wrap(fn):
        unknown = [p for p in inspect.signature(fn).parameters if p not in ARGUMENTS]
        if unknown:
            raise TypeError(f"check {id}: unknown argument(s) {unknown}; "
                            f"checks may take {', '.join(ARGUMENTS)}")
        doc = (fn.__doc__ or "").strip().splitlines()
        fn.__check__ = CheckSpec(id=id, points=float(points), hidden=hidden, timeout=timeout,
                                 requires=tuple(requires),
                                 description=description or (doc[0] if doc else ""), fn=fn)
        return fn

    return wrap


def collect(module) -> list[CheckSpec]:
    """The checks a module defines, in source order."""
    specs = [obj.__check__ for obj in vars(module).values()
             if callable(obj) and isinstance(getattr(obj, "__check__", None), CheckSpec)]
    specs.sort(key=lambda s: s.fn.__code__.co_firstlineno)
    ids = [s.id for s in specs]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise ValueError(f"{module.__name__}: duplicate check ids {sorted(dupes)}")
    return specs
