"""The bundled samples score what samples/README.md promises."""
from pathlib import Path

import pytest

from autograder.assignment import Assignment
from autograder.runner import grade

ROOT = Path(__file__).resolve().parents[1]
A = Assignment.load(ROOT / "assignments" / "ch30")
SAMPLES = ROOT / "samples"


def graded(name):
    code = [e.id for e in A.select(kind="code") if (SAMPLES / "alice" / e.file).exists()]
    return {ex.id: ex for ex in grade(SAMPLES / name, A, exercises=code, sandbox="local").exercises}


@pytest.fixture(scope="module")
def bob():
    return graded("bob")


def test_alice_is_complete_and_correct():
    for ex in graded("alice").values():
        assert ex.score == ex.max_score, [(c.id, c.message) for c in ex.checks if c.status != "passed"]


def test_carol_is_the_untouched_template():
    for ex in graded("carol").values():
        assert ex.score == 0
        assert all("not implemented" in c.message or c.status == "blocked" for c in ex.checks)


def test_bob_is_partial_with_typical_mistakes(bob):
    assert bob["ex11"].score == bob["ex11"].max_score
    assert all(c.status == "missing" for c in bob["ex12"].checks)
    assert 0 < bob["ex13"].score < bob["ex13"].max_score
    assert bob["ex14"].score < bob["ex14"].max_score
    assert bob["ex15"].score < bob["ex15"].max_score
