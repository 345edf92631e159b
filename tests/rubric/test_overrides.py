"""TA overrides: stored in the gradebook, shown in feedback, surviving every re-run; CSV."""
import csv
import io
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder import overrides as ov
from autograder.commands.rubric import rubric
from autograder.gradebook import Gradebook
from autograder.results import SubmissionResult
from autograder.rubric import score_answers

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = "## Exercise 3\n\npermutation invariance, order, [red]spatial[/red] layout, position embeddings\n"
GOOD = ("## Exercise 3\n\nAttention is permutation-equivariant, so without position embeddings the "
        "model cannot tell where a patch is and the spatial layout is lost.\n")


def grade(assignment, sub: Path, name: str) -> SubmissionResult:
    """What the grader does for the pen-and-paper part (the lead wires this into grade)."""
    return SubmissionResult(submission=name, exercises=score_answers(sub, assignment, ["ex02", "ex03"]),
                            assignment="ch30")


@pytest.fixture
def results(assignment, tmp_path):
    """A results folder as `autograder grade -o` leaves it: JSON per student + gradebook."""
    out = tmp_path / "results"
    out.mkdir()
    gb = Gradebook(out / "gradebook.db")
    for name, text in (("alice", GOOD), ("bob", KEYWORDS)):
        sub = tmp_path / "subs" / name
        sub.mkdir(parents=True)
        (sub / "answers.md").write_text(text, encoding="utf-8")
        result = ov.apply_overrides(grade(assignment, sub, name), out / "gradebook.db")
        result.write(out / f"{name}.json")
        gb.record(result, None, out / f"{name}.json")
    gb.close()
    return out


def load(results, name) -> SubmissionResult:
    return SubmissionResult.from_json_file(results / f"{name}.json")


def ex(result, ex_id):
    return next(e for e in result.exercises if e.id == ex_id)


def invoke(*args):
    return CliRunner().invoke(rubric, [str(a) for a in args], catch_exceptions=False)


def test_table_is_created_with_the_documented_columns(tmp_path):
    db = tmp_path / "gradebook.db"
    ov.set_override(db, "bob", "ex03", "", 2, "ta-ann", "fine")
    cols = [r[1] for r in sqlite3.connect(db).execute("PRAGMA table_info(overrides)")]
    assert cols == ["student", "exercise", "criterion", "score", "by", "comment", "at"]


def test_criterion_override_changes_the_check_and_says_so(results):
    db = results / "gradebook.db"
    ov.set_override(db, "bob", "ex03", "ex03.order_blind", 1, "ta-ann", "terse but right")
    before = load(results, "bob")
    after = ov.apply_overrides(before, db)
    check = next(c for c in ex(after, "ex03").checks if c.id == "ex03.order_blind")
    assert check.score == 1 and check.status == "passed"
    assert check.message.startswith("[TA override by ta-ann: 1/1, auto 0.25: terse but right]")
    e = ex(after, "ex03")
    assert e.score == 1.0
    assert e.override["score"] == 1.0 and e.override["by"] == "ta-ann"
    assert "terse but right" in e.override["comment"]
    assert e.review["needed"] is False and e.review["resolved_by"] == "ta-ann"
    assert ex(before, "ex03").score == 0.25       # apply returns a new object


def test_exercise_override_wins_and_survives_every_rerun(assignment, results, tmp_path):
    db = results / "gradebook.db"
    ov.set_override(db, "bob", "ex03", "", 2.5, "ta-ann", "explained in office hours")
    ov.set_override(db, "bob", "ex03", "order_blind", 1, "ta-ann", "")
    for _ in range(3):                          # re-run the auto-scorer, then apply: TA wins
        rerun = ov.apply_overrides(grade(assignment, tmp_path / "subs" / "bob", "bob"), db)
        assert ex(rerun, "ex03").score == 2.5
        assert ex(rerun, "ex03").override["comment"] == "explained in office hours"
    twice = ov.apply_overrides(ov.apply_overrides(rerun, db), db)
    assert twice.to_dict() == rerun.to_dict()   # idempotent: no doubled messages
    restored = ov.strip_overrides(twice)
    assert ex(restored, "ex03").score == 0.25 and ex(restored, "ex03").override is None
    ov.clear_override(db, "bob", "ex03")
    assert ex(ov.apply_overrides(rerun, db), "ex03").score == 1.0


def test_override_command_stores_and_rewrites_the_result(results):
    out = invoke("override", results, "--student", "bob", "--exercise", "ex03", "--criterion",
                 "where_lost", "--score", "1", "--by", "ta-ann", "--comment", "said it differently")
    assert out.exit_code == 0, out.output
    bob = load(results, "bob")
    assert ex(bob, "ex03").score == 1.25
    row = sqlite3.connect(results / "gradebook.db").execute(
        "SELECT score FROM submissions WHERE student='bob'").fetchone()
    assert row[0] == bob.score                   # the gradebook agrees with the JSON
    assert not list(results.glob(".*.tmp"))      # written atomically
    cleared = invoke("override", results, "--student", "bob", "--exercise", "ex03", "--criterion",
                     "where_lost", "--clear")
    assert cleared.exit_code == 0 and ex(load(results, "bob"), "ex03").score == 0.25


@pytest.mark.parametrize("args, words", [
    (["--student", "zed", "--exercise", "ex03", "--score", "1"], "unknown student 'zed'"),
    (["--student", "bob", "--exercise", "ex09", "--score", "1"], "unknown exercise 'ex09'"),
    (["--student", "bob", "--exercise", "ex03", "--criterion", "nope", "--score", "1"],
     "unknown criterion 'nope'"),
    (["--student", "bob", "--exercise", "ex03", "--score", "4"], "out of range for ex03 (0 to 3)"),
    (["--student", "bob", "--exercise", "ex03", "--criterion", "order_blind", "--score", "-1"],
     "score must be >= 0"),
])
def test_override_command_rejects_bad_input(results, args, words):
    out = invoke("override", results, *args, "--by", "ta-ann")
    assert out.exit_code != 0 and words in out.output, out.output
    assert ov.list_overrides(results / "gradebook.db") == []


def test_review_lists_flagged_answers_with_escaped_evidence(results):
    out = invoke("review", results)
    assert out.exit_code == 0, out.output
    assert "bob ex03" in out.output and "alice ex03" not in out.output
    assert "[red]spatial[/red]" in out.output    # student text shown literally, not as markup
    assert "list of terms" in out.output
    assert "1 answer(s) flagged for review out of" in out.output
    ov.set_override(results / "gradebook.db", "bob", "ex03", "", 1, "ta-ann", "ok")
    assert "bob ex03" not in invoke("review", results).output
    assert "overridden by ta-ann" in " ".join(invoke("review", results, "--all").output.split())


def test_csv_round_trip_changes_nothing(results, tmp_path):
    db = results / "gradebook.db"
    ov.set_override(db, "bob", "ex03", "order_blind", 1, "ta-ann", "=cmd|' /C calc'!A0")
    first = tmp_path / "first.csv"
    assert invoke("export", results, "-o", first).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(first.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ov.CSV_COLUMNS
    mine = [r for r in rows if r["student"] == "bob" and r["criterion"] == "order_blind"]
    assert mine[0]["override_score"] == "1" and mine[0]["comment"].startswith("'=")  # no formula
    stored = ov.list_overrides(db)
    out = invoke("import", results, first)
    assert out.exit_code == 0 and "0 override(s), cleared 0, 1 unchanged" in out.output, out.output
    assert ov.list_overrides(db) == stored
    second = tmp_path / "second.csv"
    invoke("export", results, "-o", second)
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_csv_import_from_a_spreadsheet(results, tmp_path):
    """A TA's edit: semicolons and a decimal comma (European Excel), a BOM, a clear."""
    db = results / "gradebook.db"
    ov.set_override(db, "alice", "ex03", "", 3, "ta-ann", "")
    sheet = ("\ufeffstudent;exercise;criterion;override_score;by;comment\n"
             "bob;ex03;order_blind;0,75;ta-bo;partly right\n"
             "bob;ex03.where_lost;;;;\n"
             "alice;ex03;;clear;;\n")
    path = tmp_path / "sheet.csv"
    path.write_text(sheet, encoding="utf-8")
    out = invoke("import", results, path)
    assert out.exit_code == 0, out.output
    assert [(o.student, o.criterion, o.score, o.by) for o in ov.list_overrides(db)] == \
        [("bob", "order_blind", 0.75, "ta-bo")]
    assert ex(load(results, "bob"), "ex03").score == 0.75


def test_csv_import_validates_every_row_and_stores_nothing_on_error(results, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("student,exercise,criterion,override_score,by,comment\n"
                    "bob,ex03,order_blind,1,ta-ann,ok\n"
                    "zed,ex03,,1,ta-ann,\n"
                    "bob,ex03,nope,1,ta-ann,\n"
                    "bob,ex03,,9,ta-ann,\n"
                    "bob,ex03,,lots,ta-ann,\n"
                    "bob,ex03,,1,,\n", encoding="utf-8")
    out = invoke("import", results, path)
    assert out.exit_code != 0
    for words in ("row 3: unknown student 'zed'", "row 4: unknown criterion 'nope'",
                  "row 5: score 9 is out of range", "row 6 (bob ex03): override_score 'lots'",
                  "row 7 (bob ex03): no 'by'"):
        assert words in out.output, out.output
    assert ov.list_overrides(results / "gradebook.db") == []
    assert invoke("import", results, path, "--dry-run").exit_code != 0


def test_score_command_prints_the_table(tmp_path):
    (tmp_path / "answers.md").write_text(GOOD, encoding="utf-8")
    out = invoke("score", tmp_path / "answers.md", "-e", "ex03", "--assignment",
                 ROOT / "assignments" / "ch30")
    assert out.exit_code == 0, out.output
    assert "ex03: 3/3 confidence" in out.output
    doc = json.loads(invoke("score", tmp_path, "-e", "ex03", "--json", "--assignment",
                            ROOT / "assignments" / "ch30").output)
    assert doc["score"] == 3 and doc["exercises"][0]["review"]["needed"] is False


def test_review_of_an_empty_folder(tmp_path):
    out = invoke("review", tmp_path)
    assert out.exit_code == 0 and "no rubric answers" in out.output
