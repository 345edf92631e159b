"""Canvas CSV (as Canvas's gradebook importer reads it), generic CSV, Gradescope
results.json, and cells a spreadsheet would evaluate."""
import csv
import io
import json
import re
from datetime import timedelta

import pytest

from autograder.report import exports
from autograder.report.grades import columns, grade_all
from autograder.report.policy import LatePolicy, Policy
from autograder.report.safe import csv_cell

from report_factory import DEADLINE, small_result


def rows(text):
    return list(csv.reader(io.StringIO(text)))


def graded(*names):
    results = [small_result(n) for n in names]
    cols = columns(results, [], Policy())
    return results, cols, grade_all(results, cols, Policy())


def canvas_accepts(text):
    """What Canvas's GradebookImporter checks (app/models/gradebook_importer.rb): the
    header's identity columns, the last of them 'Section'; assignment columns 'Title (id)';
    a 'Points Possible' row; then one row per student whose cells are grades."""
    table = rows(text)
    header = table[0]
    assert len(header) > 3 and re.search("Student", header[0]) and re.search("ID", header[1])
    assert re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3])
    assert re.search("Section", header[4])
    assert "Points Possible" in table[1][0]
    for row in table[2:]:
        assert len(row) == len(header)
        for cell in row[5:]:
            float(cell)                     # a grade Canvas can read
    return table


def test_canvas_csv_has_canvas_layout():
    _, _, grades = graded("ann", "bob")
    text = exports.canvas_csv(grades, assignment_name="Chapter 30", assignment_id="4242")
    table = canvas_accepts(text)
    assert table[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                        "Chapter 30 (4242)"]
    assert re.fullmatch(r"(.*) \((\d+)\)", table[0][5])    # Canvas's title_and_id
    assert table[1] == ["    Points Possible", "", "", "", "", "9"]
    assert table[2] == ["ann", "", "", "ann", "", "6"]
    assert text.endswith("\r\n")


def test_canvas_roster_fills_canvas_ids(tmp_path):
    roster = tmp_path / "export.csv"
    roster.write_text('Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (17)\n'
                      '    Points Possible,,,,,10\n'
                      '"Lee, Ann",1001,S-77,ann,Section A,9\n'
                      '"Student, Test",1002,,,Section A,\n', encoding="utf-8")
    _, _, grades = graded("ann", "zoe")
    table = canvas_accepts(exports.canvas_csv(grades, assignment_name="Ch 30",
                                              roster=exports.read_roster(roster)))
    assert table[0][5] == "Ch 30"                      # no id: Canvas matches the title
    assert table[2] == ["Lee, Ann", "1001", "S-77", "ann", "Section A", "6"]
    assert table[3][:5] == ["zoe", "", "", "zoe", ""]  # not in the roster: the login id


@pytest.mark.parametrize("evil", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "=HYPERLINK(\"x\")"])
def test_formula_cells_are_neutralised(evil):
    assert csv_cell(evil).startswith("'") and csv_cell(evil)[1:].lstrip("\t") == evil.lstrip("\t")
    _, _, grades = graded(evil)
    for text in (exports.canvas_csv(grades, assignment_name="=A"),
                 exports.generic_csv(grades, graded(evil)[1])):
        for row in rows(text):
            assert not any(cell[:1] in ("=", "+", "-", "@", "\t") for cell in row), row


def test_csv_cells_stay_one_line_and_plain_numbers():
    assert csv_cell("two\nlines\r\n") == "two lines "
    assert csv_cell("fine") == "fine" and csv_cell(None) == ""


def test_generic_csv_one_column_per_exercise_parts_apart():
    _, cols, grades = graded("ann")
    table = rows(exports.generic_csv(grades, cols))
    header = table[0]
    assert header[:3] == ["student", "ex01", "ex11"]
    assert header[-3:] == ["max_score", "review_needed", "not_graded"]
    assert table[1][:3] == ["(max)", "3", "6"]
    row = dict(zip(header, table[2]))
    parts = (row["code_auto"], row["rubric_auto"], row["raw_score"], row["score"])
    assert parts == ("4", "2", "6", "6")
    assert row["review_needed"] == "ex01"
    lowered = grade_all([small_result("ann", override=0.5)], cols, Policy())
    row2 = dict(zip(header, rows(exports.generic_csv(lowered, cols))[2]))
    assert (row2["override_added"], row2["override_removed"], row2["ex01"]) == ("0", "1.5", "0.5")


def test_generic_csv_shows_lateness():
    r = small_result("ann")
    policy = Policy(late=LatePolicy(deadline=DEADLINE, penalty_per_day=0.5))
    cols = columns([r], [], policy)
    grades = grade_all([r], cols, policy, {"ann": (DEADLINE + timedelta(hours=2), "csv")})
    table = rows(exports.generic_csv(grades, cols))
    row = dict(zip(table[0], table[2]))
    late = (row["days_late"], row["late_penalty"], row["raw_score"], row["score"])
    assert late == ("1", "3", "6", "3")
    assert row["submitted_at"].startswith("2026-12-02T01:59")


@pytest.mark.parametrize("mode, visibility, output", [
    ("none", "hidden", ""), ("names", "after_published", ""), ("full", "after_published", "half")])
def test_gradescope_hidden_checks(mode, visibility, output):
    results, cols, grades = graded("ann")
    doc = json.loads(exports.gradescope_json(results[0], grades[0], cols, mode))
    assert set(doc) >= {"score", "execution_time", "output", "visibility",
                        "stdout_visibility", "tests"}
    tests = {t["name"]: t for t in doc["tests"]}
    assert tests["ex11.b"]["visibility"] == visibility and tests["ex11.b"]["output"] == output
    assert tests["ex11.a"]["visibility"] == "visible"
    assert tests["ex01.y"]["output"] == "partly" and tests["ex01.y"]["status"] == "failed"
    assert all(t["visibility"] in ("hidden", "after_due_date", "after_published", "visible")
               for t in doc["tests"])
    assert doc["score"] == grades[0].final == sum(t["score"] for t in doc["tests"])
    assert doc["stdout_visibility"] == "hidden"


def test_gradescope_carries_a_whole_exercise_override():
    r = small_result("ann", override=3.0)
    cols = columns([r], [], Policy())
    (g,) = grade_all([r], cols, Policy())
    doc = exports.gradescope(r, g, cols)
    assert doc["score"] == 7.0 == pytest.approx(sum(t["score"] for t in doc["tests"]))
    assert any("TA override" in t["name"] for t in doc["tests"])
    with pytest.raises(ValueError):
        exports.gradescope(r, g, cols, show_hidden="some")
