"""Exercises that build on others (``depends`` in assignment.yaml): grading one grades its
dependencies first, and a check whose ``requires`` failed reports ``blocked``, naming it.

Exercise 17 runs the student's own ex15 Projector and ex16 TinyVLM, so its folders in
tests/ hold correct files of those beside the ex17 file; ``exercise_under_test`` tells
which file a folder is about.
"""
import shutil
from pathlib import Path

import pytest

from autograder.assignment import Assignment
from autograder.commands.validate import exercise_under_test
from autograder.runner import grade

ROOT = Path(__file__).resolve().parents[2]
A = Assignment.load(ROOT / "assignments" / "ch30")
REFERENCE = ROOT / "reference"
WRONG = ROOT / "tests" / "wrong"
FILES = {ex: A.exercises[ex].file for ex in ("ex15", "ex16", "ex17")}
NEEDS_ONLY_EX17 = {"ex17.labels", "ex17.labels_drawn"}  # pure functions of ids


def submission(tmp_path: Path, **sources: Path) -> Path:
    """A folder with ``ex15=path, ...``: each exercise's file copied from that path."""
    folder = tmp_path / "student"
    folder.mkdir()
    for ex, source in sources.items():
        shutil.copy(source, folder / FILES[ex])
    return folder


def by_id(result) -> dict:
    return {c.id: c for c in result.checks()}


def reference(ex: str) -> Path:
    return REFERENCE / FILES[ex]


def test_broken_ex16_blocks_the_ex17_checks_that_build_on_it(tmp_path):
    folder = submission(tmp_path, ex15=reference("ex15"), ex17=reference("ex17"),
                        ex16=WRONG / "ex16_text_first" / FILES["ex16"])
    checks = by_id(grade(folder, A, exercises=["ex17"], sandbox="local"))
    assert checks["ex16.layout"].status == "failed"
    for cid, c in checks.items():
        if cid.startswith("ex17.") and cid not in NEEDS_ONLY_EX17:
            assert c.status == "blocked", (cid, c.status, c.message)
            assert "ex16.layout" in c.message and c.score == 0
    for cid in NEEDS_ONLY_EX17:  # what does not need ex16 is still graded
        assert checks[cid].status == "passed", checks[cid].message


def test_correct_dependencies_let_the_same_ex17_pass(tmp_path):
    folder = submission(tmp_path, ex15=reference("ex15"), ex16=reference("ex16"),
                        ex17=reference("ex17"))
    result = grade(folder, A, exercises=["ex17"], sandbox="local")
    assert [e.id for e in result.exercises] == ["ex15", "ex16", "ex17"]
    bad = [(c.id, c.status, c.message) for c in result.checks() if c.status != "passed"]
    assert not bad


def test_missing_dependency_blocks_and_says_so(tmp_path):
    folder = submission(tmp_path, ex15=reference("ex15"), ex17=reference("ex17"))
    checks = by_id(grade(folder, A, exercises=["ex17"], sandbox="local"))
    assert checks["ex16.layout"].status == "missing"
    assert checks["ex17.loss_value"].status == "blocked"
    assert "ex16.layout (missing)" in checks["ex17.loss_value"].message


def test_broken_ex15_blocks_ex17_naming_it(tmp_path):
    folder = submission(tmp_path, ex16=reference("ex16"), ex17=reference("ex17"),
                        ex15=WRONG / "ex15_no_grad_first_layer" / FILES["ex15"])
    checks = by_id(grade(folder, A, exercises=["ex17"], sandbox="local"))
    assert checks["ex15.gradients"].status != "passed"
    assert checks["ex17.frozen_unchanged"].status == "blocked"
    assert "ex15.gradients" in checks["ex17.frozen_unchanged"].message


def test_public_checks_pass_on_the_students_machine(tmp_path):
    """``autograder check`` runs public checks only: what they require must be public."""
    folder = submission(tmp_path, ex15=reference("ex15"), ex16=reference("ex16"),
                        ex17=reference("ex17"))
    result = grade(folder, A, exercises=["ex17"], sandbox="local", hidden=False)
    assert result.checks() and all(not c.hidden for c in result.checks())
    assert all(c.status == "passed" for c in result.checks()), \
        [(c.id, c.status, c.message) for c in result.checks() if c.status != "passed"]


@pytest.mark.parametrize("ex", [e.id for e in A.select(kind="code")])
def test_requires_names_public_checks_of_dependencies(ex):
    """A check may require checks of its own exercise or of one it depends on, and a
    public check only public ones (hidden checks do not run on the student's machine)."""
    allowed = set(A.with_dependencies([ex]))
    specs = {s.id: s for e in allowed for s in A.checks(e)}
    for spec in A.checks(ex):
        for req in spec.requires:
            if "." not in req:
                assert req in allowed, f"{spec.id} requires {req}, not a dependency of {ex}"
                continue
            assert req in specs, f"{spec.id} requires {req}: no such check in {sorted(allowed)}"
            assert spec.hidden or not specs[req].hidden, \
                f"public {spec.id} requires hidden {req}: blocked on the student's machine"


def test_exercise_under_test_is_the_one_the_others_build_on(tmp_path):
    folder = submission(tmp_path, ex15=reference("ex15"), ex16=reference("ex16"),
                        ex17=reference("ex17"))
    assert exercise_under_test(A, folder) == ("ex17", folder / FILES["ex17"])
    (folder / FILES["ex17"]).unlink()
    assert exercise_under_test(A, folder)[0] == "ex16"


def test_exercise_under_test_refuses_unrelated_files(tmp_path):
    folder = submission(tmp_path, ex15=reference("ex15"), ex16=reference("ex16"))
    shutil.copy(REFERENCE / A.exercises["ex13"].file, folder)
    with pytest.raises(ValueError, match="depends on"):
        exercise_under_test(A, folder)
