"""otter-grader interop: the exported test files, ``otter check`` and ``otter run`` for real.

The scores otter gives must equal ``autograder grade``'s on the same submission (for a
rubric criterion: floored to the quarter cases otter can carry), and ``otter check``'s
public feedback must be ``autograder check``'s messages.
"""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from otter.test_files import ExceptionTestFile

from autograder import otterbridge
from autograder.assignment import Assignment
from autograder.commands import otter as cmd
from autograder.runner import grade

ROOT = Path(__file__).resolve().parents[2]
A = Assignment.load(ROOT / "assignments" / "ch30")
OTTER = [sys.executable, "-m", "otter"]
SEED = 20261127
# a subset that keeps CI quick but has every kind of case: a rubric, a plain exercise, one
# with hidden reference checks, one that builds on another (ex16 brings ex15)
SUBSET = ["ex01", "ex11", "ex13", "ex16"]


def cases(path: Path):
    return ExceptionTestFile.from_file(str(path)).test_cases


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("otter") / "tests"
    cmd.export(A, out, seed=SEED)
    return out


def test_export_has_every_check_with_its_points_and_visibility(exported):
    for ex in A.select(kind="code"):
        got = {c.name: c for c in cases(exported / f"{ex.id}.py")}
        specs = A.checks(ex.id)
        assert list(got) == [s.id for s in specs]
        for s in specs:
            assert got[s.id].points == s.points and got[s.id].hidden == s.hidden
        assert sum(c.points for c in got.values()) == ex.points


def test_export_carries_each_rubric_criterion_in_quarters(exported):
    from autograder.rubric import load_rubrics

    rubrics = load_rubrics(A)
    for ex in A.select(kind="rubric"):
        got = cases(exported / f"{ex.id}.py")
        assert len(got) == otterbridge.QUARTERS * len(rubrics[ex.id].criteria)
        assert not any(c.hidden for c in got)
        assert sum(c.points for c in got) == pytest.approx(ex.points)


def test_public_export_has_no_hidden_case(tmp_path):
    cmd.export(A, tmp_path, hidden=False)
    hidden = {s.id for ex in A.select(kind="code") for s in A.checks(ex.id) if s.hidden}
    assert hidden
    for path in tmp_path.glob("*.py"):
        assert not any(c.hidden for c in cases(path))
        text = path.read_text()
        assert not [h for h in hidden if f"'{h}'" in text], path.name


def test_exercises_bring_what_they_build_on(tmp_path):
    written = cmd.export(A, tmp_path, exercises=["ex16"])
    assert sorted(p.stem for p in written) == ["ex15", "ex16"]


# -- the bridge in this process: one namespace, as otter hands it over ------------------------
def script_namespace(path: Path) -> dict:
    """What otter's env is after running a script: its globals."""
    env = {"__name__": "__main__"}
    exec(compile(path.read_text(), str(path), "exec"), env)
    return env


def run_file(path: Path, env: dict) -> dict[str, bool]:
    test = ExceptionTestFile.from_file(str(path))
    test.run(env)
    return {r.test_case.name: r.passed for r in test.test_case_results}


@pytest.fixture
def in_folder(monkeypatch):
    def go(folder: Path):
        monkeypatch.chdir(folder)
    yield go
    otterbridge._SESSIONS.clear()


def test_namespace_of_the_script_is_graded(exported, in_folder, tmp_path):
    # the script's globals are graded, not a file: the folder holds no ex13 at all
    in_folder(tmp_path)
    env = script_namespace(ROOT / "reference" / "ex13_clip_loss.py")
    assert all(run_file(exported / "ex13.py", env).values())
    wrong = script_namespace(ROOT / "tests" / "wrong" / "ex13_float_loss" / "ex13_clip_loss.py")
    verdicts = run_file(exported / "ex13.py", wrong)
    assert not all(verdicts.values())


def test_a_module_in_the_namespace_wins_over_the_file(exported, in_folder, tmp_path):
    import importlib.util

    shutil.copy(ROOT / "student_template" / "ex11_patchify.py", tmp_path)  # the stub on disk
    in_folder(tmp_path)
    spec = importlib.util.spec_from_file_location("ex11_patchify",
                                                  ROOT / "reference" / "ex11_patchify.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert all(run_file(exported / "ex11.py", {"ex11_patchify": module}).values())
    otterbridge._SESSIONS.clear()
    assert not any(run_file(exported / "ex11.py", {}).values())  # nothing in env: the file


def test_messages_are_autograder_checks(exported, in_folder):
    """otter's failure message for a check is our message for it, seed for seed."""
    folder = ROOT / "samples" / "bob"
    in_folder(folder)
    ours = grade(folder, A, exercises=["ex13"], sandbox="local", seed=SEED, rubrics=False)
    test = ExceptionTestFile.from_file(str(exported / "ex13.py"))
    test.run({})
    theirs = {r.test_case.name: r for r in test.test_case_results}
    for c in ours.checks():
        assert theirs[c.id].passed == (c.status == "passed")
        if c.status != "passed":
            assert f"{c.id} {c.status}: {c.message}" in theirs[c.id].message


def test_blocked_dependency_is_reported(exported, in_folder, tmp_path):
    # ex17 stands on ex16: with ex16 the stub, ex17's cases say blocked and name it
    for ex, source in [("ex15", "reference"), ("ex16", "student_template"), ("ex17", "reference")]:
        shutil.copy(ROOT / source / A.exercises[ex].file, tmp_path)
    in_folder(tmp_path)
    test = ExceptionTestFile.from_file(str(exported / "ex17.py"))
    test.run({})
    blocked = [r for r in test.test_case_results if "blocked" in r.message]
    assert blocked and "needs ex16." in blocked[0].message
    assert not any(r.passed for r in blocked)


def test_rubric_quarters(exported, in_folder):
    folder = ROOT / "samples" / "alice"
    in_folder(folder)
    ours = grade(folder, A, exercises=["ex02"], sandbox="local", seed=SEED)
    verdicts = run_file(exported / "ex02.py", {})
    for c in ours.checks():
        reached = otterbridge.quarters_reached(c.score, c.max_score)
        for q in range(1, otterbridge.QUARTERS + 1):
            assert verdicts[f"{c.id} ({q}/{otterbridge.QUARTERS})"] == (q <= reached)


def test_quartered():
    assert otterbridge.quartered(1.0, 1.0) == 1.0
    assert otterbridge.quartered(0.5, 1.0) == 0.5
    assert otterbridge.quartered(0.1875, 1.0) == 0.0
    assert otterbridge.quartered(0.8, 2.0) == 0.5
    assert otterbridge.quartered(0.0, 3.0) == 0.0


# -- otter's own commands, for real ------------------------------------------------------------
def otter_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTOGRADER")}
    env["PYTHONWARNINGS"] = "ignore"
    return env


def otter_check(folder: Path, file: str, tests: Path, question: str):
    """``otter check`` in a copy of ``folder`` (otter writes its .OTTER_LOG there)."""
    work = tests.parent / f"check-{folder.name}"
    shutil.copytree(folder, work)
    done = subprocess.run([*OTTER, "check", file, "-t", str(tests), "-q", question],
                          cwd=work, env=otter_env(), capture_output=True, text=True,
                          timeout=600)
    assert not (folder / ".OTTER_LOG").exists()
    return done.returncode, done.stdout + done.stderr


def test_otter_check_on_reference_stub_and_wrong(tmp_path):
    tests = tmp_path / "tests"
    cmd.export(A, tests, hidden=False, seed=SEED, exercises=["ex13"])
    code, out = otter_check(ROOT / "reference", "ex13_clip_loss.py", tests, "ex13")
    assert code == 0 and "All tests passed!" in out, out
    code, out = otter_check(ROOT / "student_template", "ex13_clip_loss.py", tests, "ex13")
    assert code == 0, out  # otter check reports failures, it does not exit non-zero
    assert out.count("Test case failed") == len([s for s in A.checks("ex13") if not s.hidden])
    assert "not implemented yet" in out
    wrong = ROOT / "tests" / "wrong" / "ex13_float_loss"
    code, out = otter_check(wrong, "ex13_clip_loss.py", tests, "ex13")
    ours = grade(wrong, A, exercises=["ex13"], sandbox="local", seed=SEED, hidden=False)
    failing = [c for c in ours.checks() if c.status != "passed"]
    assert failing
    for c in failing:  # the same public feedback as `autograder check`
        assert c.message.split(";")[0] in out, (c.message, out)


@pytest.fixture(scope="module")
def autograder_zip(tmp_path_factory):
    out = tmp_path_factory.mktemp("otterzip") / "autograder.zip"
    cmd.build_zip(A, out, seed=SEED, exercises=SUBSET)
    return out


def test_zip_has_tests_config_and_support_files(autograder_zip):
    names = zipfile.ZipFile(autograder_zip).namelist()
    config = json.loads(zipfile.ZipFile(autograder_zip).read("otter_config.json"))
    assert config["seed"] == SEED and config["show_hidden"] is False
    assert sorted(n for n in names if n.startswith("tests/")) == \
        sorted(f"tests/{e}.py" for e in A.with_dependencies(SUBSET))
    assert "files/autograder/otterbridge.py" in names
    assert "files/assignments/ch30/reference/ex13_clip_loss.py" in names
    assert "run_autograder" in names and "setup.sh" in names
    environment = zipfile.ZipFile(autograder_zip).read("environment.yml").decode()
    assert "torchaudio" in environment  # our requirements, for Gradescope's image
    assert f"python={sys.version_info.major}.{sys.version_info.minor}" in environment


def otter_scores(autograder_zip: Path, submission: Path, tmp_path: Path) -> dict[str, float]:
    packed = cmd.pack(A, submission, tmp_path / "submission.zip")
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run([*OTTER, "run", "-a", str(autograder_zip), "-o", str(out),
                           "--no-logo", str(packed)], cwd=tmp_path, env=otter_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((out / "results.json").read_text())
    return {t["name"]: t["score"] for t in results["tests"] if "score" in t}


@pytest.mark.parametrize("who", ["reference", "samples/alice", "samples/bob", "samples/carol"])
def test_otter_run_scores_equal_autograder_grade(autograder_zip, who, tmp_path):
    """The reference; alice: correct alternatives; bob: partial; carol: the template."""
    folder = ROOT / who
    ours = grade(folder, A, exercises=SUBSET, sandbox="local", seed=SEED)
    theirs = otter_scores(autograder_zip, folder, tmp_path)
    want = {e.id: otterbridge.otter_score(e) for e in ours.exercises}
    assert theirs == pytest.approx(want), (theirs, want)


@pytest.mark.slow
def test_otter_run_whole_assignment_equals_autograder_grade(tmp_path):
    """Every exercise, the correct alternatives of alice: about two minutes on one core."""
    zipped = cmd.build_zip(A, tmp_path / "autograder.zip", seed=SEED)
    folder = ROOT / "samples" / "alice"
    ours = grade(folder, A, sandbox="local", seed=SEED)
    theirs = otter_scores(zipped, folder, tmp_path)
    want = {e.id: otterbridge.otter_score(e) for e in ours.exercises}
    assert theirs == pytest.approx(want), (theirs, want)


def test_tests_of_another_version_say_so(tmp_path, in_folder):
    path = cmd.export(A, tmp_path / "tests", exercises=["ex11"])[0]
    path.write_text(path.read_text().replace(A.version, "1999.01-1"))
    in_folder(ROOT / "reference")
    test = ExceptionTestFile.from_file(str(path))
    test.run({})
    assert not any(r.passed for r in test.test_case_results)
    assert "export them again" in test.test_case_results[0].message
