"""The command line, as users call it."""
import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from autograder.cli import main
from autograder.results import SubmissionResult

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ["--assignment", str(ROOT / "assignments" / "ch30")]


def run(*args):
    return CliRunner().invoke(main, [*args], catch_exceptions=False)


def test_check_fails_on_the_stub_and_passes_the_reference():
    stub = run("check", str(ROOT / "student_template"), "-e", "ex11", *ASSIGNMENT)
    assert stub.exit_code == 1
    assert "not implemented yet" in stub.output
    ref = run("check", str(ROOT / "reference"), "-e", "ex11", *ASSIGNMENT)
    assert ref.exit_code == 0, ref.output
    assert "hidden" not in ref.output.replace("Hidden checks run", "")


def test_grade_json_is_the_result_document(tmp_path):
    sub = tmp_path / "alice"
    sub.mkdir()
    shutil.copy(ROOT / "reference" / "ex11_patchify.py", sub)
    out = run("grade", str(sub), "-e", "ex11", "--json", *ASSIGNMENT)
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["schema"] == 1 and doc["submission"] == "alice"
    assert doc["score"] == doc["max_score"] == 6
    assert doc["sandbox"]["separate_process"] is True
    hidden = [c for ex in doc["exercises"] for c in ex["checks"] if c["hidden"]]
    assert hidden and all(c["status"] == "passed" for c in hidden)
    assert SubmissionResult.from_dict(doc).to_dict() == doc


def test_grade_a_batch_writes_one_result_each(tmp_path):
    batch = tmp_path / "batch"
    for name, src in [("good", ROOT / "reference"), ("stub", ROOT / "student_template")]:
        (batch / name).mkdir(parents=True)
        shutil.copy(src / "ex11_patchify.py", batch / name)
    (batch / "broken").mkdir()
    (batch / "broken" / "ex11_patchify.py").write_text("def num_patches(:\n")
    out = run("grade", str(batch), "-e", "ex11", "-o", str(tmp_path / "results"), *ASSIGNMENT)
    assert out.exit_code == 0, out.output
    docs = {p.stem: json.loads(p.read_text()) for p in (tmp_path / "results").glob("*.json")}
    assert set(docs) == {"good", "stub", "broken"}
    assert docs["good"]["score"] == 6 and docs["stub"]["score"] == 0
    broken = docs["broken"]["exercises"][0]["checks"]
    assert all(c["status"] == "error" and "syntax error on line 1" in c["message"] for c in broken)


def test_missing_file_is_missing(tmp_path):
    (tmp_path / "empty").mkdir()
    out = run("grade", str(tmp_path / "empty"), "-e", "ex11", "--json", *ASSIGNMENT)
    doc = json.loads(out.output)
    checks = doc["exercises"][0]["checks"]
    assert all(c["status"] == "missing" and "ex11_patchify.py" in c["message"] for c in checks)


def test_unknown_exercise_is_a_clear_error(tmp_path):
    out = CliRunner().invoke(main, ["check", str(ROOT / "reference"), "-e", "ex99", *ASSIGNMENT])
    assert out.exit_code != 0 and "unknown exercise" in out.output


def test_stubs_match_the_reference():
    out = run("stubs", "--check", *ASSIGNMENT)
    assert out.exit_code == 0, out.output


def test_validate_proves_exercise_11():
    out = run("validate", "-e", "ex11", *ASSIGNMENT)
    assert out.exit_code == 0, out.output
    assert "all graders proved" in out.output
