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


def answers(name):
    ids = [e.id for e in A.select(kind="rubric")]
    return {ex.id: ex for ex in grade(SAMPLES / name, A, exercises=ids, sandbox="local").exercises}


def test_pen_and_paper_samples():
    alice, bob, carol = answers("alice"), answers("bob"), answers("carol")
    assert all(ex.score == ex.max_score and not ex.review["needed"] for ex in alice.values())
    assert all(ex.score == 0 and all(c.status == "missing" for c in ex.checks)
               for ex in carol.values())
    assert bob["ex01"].score < 1.5                 # a slogan, not an explanation
    assert 0 < bob["ex02"].score < 3               # patches right, 22 x 22 = 484 wrong
    assert bob["ex03"].score == 0                  # "attention already knows the order"
    assert bob["ex04"].score >= 2
    assert bob["ex07"].score == 0 and bob["ex07"].review["needed"]
    assert all(c.status == "missing" for c in bob["ex05"].checks)


def test_carol_is_exactly_the_template():
    """carol/ is what students receive untouched: it follows the stubs as they change."""
    for stub in (ROOT / "student_template").glob("ex*.py"):
        assert (SAMPLES / "carol" / stub.name).read_text() == stub.read_text(), stub.name
    assert (SAMPLES / "carol" / "answers.md").read_text() == \
        (ROOT / "assignments" / "ch30" / "answers_template.md").read_text()
