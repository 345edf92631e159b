"""``autograder stubs``: regenerate student_template/ from the reference."""
from __future__ import annotations

from ..assignment import Assignment
from ..stubs import drifted, generate


def main(*, assignment: Assignment, check_only: bool = False) -> list[str]:
    ref = assignment.path("reference", "reference")
    tmpl = assignment.path("template", "student_template")
    if check_only:
        return drifted(ref, tmpl)
    return sorted(generate(ref, tmpl))
