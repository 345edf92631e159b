"""Every grader check is proved three ways (DESIGN.md rule 3), and alternatives pass.

- the reference passes every check, public and hidden;
- the untouched stub passes none;
- each known-wrong submission in tests/wrong/ fails the checks its header names
  (``# catches: ...``), and every check is named by at least one of them;
- each alternative-correct submission in tests/alternative/ (written differently from
  the reference) scores full marks.

A folder holds the file of the exercise under test; one that builds on other exercises
may hold correct files of those too, since grading it grades them (``exercise_under_test``).

Submissions run in-process here for speed; test_proxy_equivalence grades through the
worker process and asserts the same verdicts.
"""
from pathlib import Path

import pytest

from autograder.assignment import Assignment
from autograder.commands.validate import exercise_under_test, wrong_submissions
from autograder.runner import grade

ROOT = Path(__file__).resolve().parents[2]
A = Assignment.load(ROOT / "assignments" / "ch30")
CODE = [e.id for e in A.select(kind="code")]
WRONG = wrong_submissions(A)
ALTERNATIVE = sorted(p for p in (ROOT / "tests" / "alternative").glob("*") if p.is_dir())


def exercise_of(folder: Path) -> str:
    return exercise_under_test(A, folder)[0]


def dependencies_present(folder: Path, ex: str) -> list[str]:
    """The exercises ``ex`` builds on whose (correct) files the folder holds."""
    return [d for d in A.with_dependencies([ex]) if d != ex
            and (folder / A.exercises[d].file).is_file()]


def exercise_result(result, ex):
    return next(e for e in result.exercises if e.id == ex)


@pytest.mark.parametrize("ex", CODE)
def test_reference_scores_full(ex):
    result = grade(ROOT / "reference", A, exercises=[ex], sandbox="local")
    bad = [(c.id, c.status, c.message) for c in result.checks() if c.status != "passed"]
    assert not bad
    mine = exercise_result(result, ex)
    assert mine.score == mine.max_score == A.exercises[ex].points


@pytest.mark.parametrize("ex", CODE)
def test_stub_scores_zero(ex):
    result = grade(ROOT / "student_template", A, exercises=[ex], sandbox="local")
    passing = [c.id for c in result.checks() if c.status == "passed"]
    assert not passing
    assert result.score == 0


def needed(checks) -> set[str]:
    """``checks`` and, transitively, the checks of the same exercise they require."""
    specs = {s.id: s for ex in {c.split(".")[0] for c in checks} for s in A.checks(ex)}
    out, stack = set(), list(checks)
    while stack:
        cid = stack.pop()
        if cid in specs and cid not in out:
            out.add(cid)
            stack.extend(specs[cid].requires)
    return out


@pytest.mark.parametrize("wrong", WRONG, ids=[w.path.name for w in WRONG])
def test_wrong_submission_is_caught(wrong):
    # only the checks it names run in its exercise (checks are independent: each has its
    # own seed, and what it requires runs too); the rest are the reference's business
    unknown = [c for c in wrong.catches if c not in {s.id for s in A.checks(wrong.exercise)}]
    assert not unknown, f"{wrong.path.name} names unknown checks {unknown}"
    result = grade(wrong.path, A, exercises=[wrong.exercise], sandbox="local",
                   only_checks=needed(wrong.catches))
    by_id = {c.id: c for c in result.checks()}
    for cid in wrong.catches:
        assert by_id[cid].status != "passed", f"{cid} does not catch {wrong.path.name}"
        assert by_id[cid].message, f"{cid} fails without saying why"
    mine = exercise_result(result, wrong.exercise)
    assert mine.score < mine.max_score
    for dep in dependencies_present(wrong.path, wrong.exercise):  # caught by its own fault
        failing = [c.id for c in exercise_result(result, dep).checks if c.status != "passed"]
        assert not failing, f"{wrong.path.name}: its dependency {dep} fails {failing}"


@pytest.mark.parametrize("ex", CODE)
def test_every_check_can_fail(ex):
    caught = {cid for w in WRONG if w.exercise == ex for cid in w.catches}
    uncaught = {s.id for s in A.checks(ex)} - caught
    assert not uncaught, f"no known-wrong submission fails {sorted(uncaught)}"


@pytest.mark.parametrize("folder", ALTERNATIVE, ids=[p.name for p in ALTERNATIVE])
def test_alternative_correct_scores_full(folder):
    ex = exercise_of(folder)
    result = grade(folder, A, exercises=[ex], sandbox="local")
    present = {ex, *dependencies_present(folder, ex)}
    bad = [(c.id, c.status, c.message) for c in result.checks()
           if c.id.split(".")[0] in present and c.status != "passed"]
    assert not bad
    assert exercise_result(result, ex).score == A.exercises[ex].points


@pytest.mark.parametrize("ex", CODE)
def test_points_match_assignment(ex):
    assert sum(s.points for s in A.checks(ex)) == pytest.approx(A.exercises[ex].points)


@pytest.mark.parametrize("ex", CODE)
def test_public_checks_do_not_need_the_reference(ex):
    """The student bundle has no reference: public checks must not ask for ``ref``."""
    for spec in A.checks(ex):
        if not spec.hidden:
            assert "ref" not in spec.arguments, f"public check {spec.id} uses the reference"
