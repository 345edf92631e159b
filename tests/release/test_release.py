"""The student bundle: installs into a fresh venv, self-checks offline, leaks nothing."""
import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.assignment import Assignment
from autograder.commands import release
from autograder.publish import hidden_checks, public_checks

ROOT = Path(__file__).resolve().parents[2]
A = Assignment.load(ROOT / "assignments" / "ch30")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    folder, archive = release.main(assignment=A, output=out)
    return folder, archive


def test_bundle_has_what_students_need(bundle):
    folder, archive = bundle
    assert sorted(p.stem for p in (folder / "otter" / "tests").glob("*.py")) == \
        [e.id for e in A.select(kind="code")]  # public otter tests; no rubrics to score with
    assert (folder / "ch30_otter.ipynb").is_file()
    for ex in A.select(kind="code"):
        assert (folder / ex.file).is_file()
        assert "raise NotImplementedError" in (folder / ex.file).read_text()
    assert (folder / "answers.md").read_text().count("## Exercise") == len(A.select(kind="rubric"))
    assert (folder / "assignments" / "ch30" / "mmkit" / "weights").is_dir()
    names = zipfile.ZipFile(archive).namelist()
    assert "ch30-student/ex11_patchify.py" in names


def test_bundle_has_no_reference_hidden_checks_or_rubrics(bundle):
    folder, _ = bundle
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    assert not [f for f in files if f.startswith("reference") or "/rubrics/" in f]
    hidden = [cid for p in (ROOT / "assignments/ch30/checks").glob("*.py")
              for cid, _ in hidden_checks(p.read_text())]
    assert hidden, "expected some hidden checks to look for"
    text = "\n".join(p.read_text(errors="replace") for p in folder.rglob("*.py"))
    assert not [cid for cid in hidden if cid in text]
    for ref in (ROOT / "reference").glob("ex*.py"):
        assert ref.read_text() not in text


def test_public_checks_cut_only_hidden_ones():
    source = (ROOT / "assignments/ch30/checks/ex11_patchify.py").read_text()
    cut = public_checks(source)
    assert "ex11.conv_identity" not in cut and "def conv_identity" not in cut
    assert "ex11.arange_values" in cut and "ARANGE_DIGEST" in cut
    assert "F.unfold" not in cut  # the hidden checks' helper routine stays with them
    compile(cut, "public", "exec")


def test_student_installs_and_checks_in_a_fresh_venv(bundle, tmp_path):
    """As a student would: a new venv, `pip install .`, `autograder check` (offline).

    The heavy dependencies (torch) are borrowed from this environment through a .pth
    file so the test needs no network; the bundle itself is installed for real.
    """
    folder, _ = bundle
    work = tmp_path / "student"
    shutil.copytree(folder, work)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    purelib = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "AUTOGRADER"))}
    subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                    "--no-index", str(work)], check=True, env=env, cwd=tmp_path)
    exe = venv / "bin" / "autograder"
    installed = subprocess.run([py, "-c", "import autograder, mmkit; print(autograder.__file__)"],
                               capture_output=True, text=True, env=env, cwd=tmp_path, check=True)
    assert str(venv) in installed.stdout  # the bundle's engine, not the repository's

    stub = subprocess.run([exe, "check", "-e", "ex11"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert stub.returncode == 1, stub.stdout + stub.stderr
    assert "not implemented yet" in stub.stdout and "public checks not passing" in stub.stdout

    shutil.copy(ROOT / "reference" / "ex11_patchify.py", work)
    done = subprocess.run([exe, "check", "-e", "ex11"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 of 5 public checks not passing" in done.stdout
    assert "(hidden)" not in done.stdout

    # the student who checks with otter: the bundle's public otter tests, same verdicts
    otter = [py, "-m", "otter", "check"]
    passed = subprocess.run([*otter, "ex11_patchify.py", "-t", "otter/tests", "-q", "ex11"],
                            cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert "All tests passed!" in passed.stdout, passed.stdout + passed.stderr
    stub = subprocess.run([*otter, "ex13_clip_loss.py", "-t", "otter/tests", "-q", "ex13"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=300)
    assert "not implemented yet" in stub.stdout and "hidden" not in stub.stdout, stub.stdout
