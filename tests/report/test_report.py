"""The whole report on a batch: sample submissions graded from samples/, synthetic
results, a hostile one, a TA override in gradebook.db, timestamps from an LMS CSV, a
stamp file and a zip, similarity over submitted code."""
import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner

from autograder.commands.report import report
from autograder.report.safe import file_stem
from report_factory import HOSTILE_ID, HOSTILE_MESSAGE


def grades_by_student(built):
    return {g.student: g for g in built.grades}


def test_everything_is_written(built, graded):
    out = built.output
    students = graded["students"]
    assert built.students == len(students) and not built.problems
    for name in ("index.html", "grades.csv", "grades_canvas.csv", "similarity.csv"):
        assert (out / name).stat().st_size > 0
    for s in students:
        stem = file_stem(s)
        assert (out / "feedback" / f"{stem}.md").is_file()
        assert (out / "feedback" / f"{stem}.html").is_file()
        doc = json.loads((out / "gradescope" / stem / "results.json").read_text())
        assert doc["score"] == grades_by_student(built)[s].final


def test_sample_submissions_score_as_graded(built):
    g = grades_by_student(built)
    assert g["alice"].code == 31 and g["carol"].code == 0 and 0 < g["bob"].code < 31
    assert g["alice"].absent == [f"ex{i:02d}" for i in range(1, 11)] + \
        [f"ex{i}" for i in range(16, 21)]          # graded for ex11-ex15 only


def test_late_policy_from_every_source(built):
    g = grades_by_student(built)
    late = {s: (x.lateness.days, x.lateness.source)
            for s, x in g.items() if x.lateness.submitted_at}
    assert late == {"student0000": (1, "csv"),     # 21 minutes late: past the 15 of grace
                    "student0001": (0, "csv"),
                    "student0002": (2, "file"),    # submitted_at.txt
                    "student0003": (0, "csv"),     # an extension
                    "yuri": (1, "zip")}            # the zip's newest member
    x = g["student0002"]
    assert x.penalty == round(0.2 * x.raw, 4) and x.final == round(x.raw - x.penalty, 4)


def test_override_from_the_gradebook_is_applied_and_kept_apart(built, graded):
    x = grades_by_student(built)["student0001"]
    auto = x.auto["ex02"]
    assert x.scores["ex02"] == 3.0 and x.overrides == round(3.0 - auto, 4)
    assert x.overridden == ["ex02"]
    assert [g.student for g in built.grades if g.overridden] == ["student0001"]
    json_on_disk = json.loads((graded["results"] / "student0001.json").read_text())
    assert "override" not in json_on_disk["exercises"][1]      # the report changed nothing


def test_canvas_csv_rows(built, graded):
    table = list(csv.reader(io.StringIO((built.output / "grades_canvas.csv").read_text())))
    assert table[0][-1] == "Chapter 30 (4242)" and table[1][-1] == "100"
    assert len(table) == 2 + len(graded["students"])
    final = {g.student: g.final for g in built.grades}
    for row in table[2:]:
        assert float(row[5]) == round(final[row[3]], 2)


def test_similarity_in_the_report(built):
    flagged = {(p.exercise, p.a, p.b) for p in built.pairs}
    assert flagged == {("ex13", "chen", "mallory"), ("ex13", "chen", "yuri"),
                       ("ex13", "mallory", "yuri"), ("ex15", "ben", "mallory")}
    page = (built.output / "index.html").read_text()
    assert "leads for a human, never a verdict" in page and "torch.logsumexp" in page


def test_report_page_escapes_untrusted_text(built):
    page = (built.output / "index.html").read_text()
    assert page.count("<script>") == 1 and "<img src=x" not in page and "\x1b" not in page
    assert "&lt;script&gt;alert(&#34;id&#34;)&lt;/script&gt;" in page
    assert 'img-src data:' in page                              # the CSP: nothing from outside
    assert page.count('src="data:image/png;base64,') == 4
    for section in ("summary", "distribution", "exercises", "items", "failing", "rubric",
                    "errors", "timing", "similarity", "students"):
        assert f'id="{section}"' in page


def test_cli(graded, tmp_path):
    results = tmp_path / "results"
    shutil.copytree(graded["results"], results)
    (results / "\x1b[31m[bold]broken[red].json").write_text("{not json")
    out = tmp_path / "report"
    run = CliRunner().invoke(report, [str(results), "-o", str(out), "--show-hidden", "full",
                                      "--assignment", str(graded["assignment"].root)])
    assert run.exit_code == 0, run.output
    assert "\x1b" not in run.output and "[bold]broken[red].json" in run.output
    assert "students" in run.output and "report:" in run.output
    hostile = (out / "feedback" / f"{file_stem(HOSTILE_ID)}.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in hostile and "<img" not in hostile
    assert HOSTILE_MESSAGE.split(" ")[0] not in hostile


def test_cli_errors_are_clean(graded, tmp_path):
    bad = tmp_path / "stamps.csv"
    bad.write_text("who,when\n")
    run = CliRunner().invoke(report, [str(graded["results"]), "-o", str(tmp_path / "r"),
                                      "--timestamps", str(bad)])
    assert run.exit_code == 1 and "student,submitted_at" in run.output
    assert "Traceback" not in run.output


@pytest.mark.slow
def test_report_on_the_bundled_samples_graded_now(ch30, tmp_path):
    """samples/ graded in-process now (not the stored results), then reported on, with
    their code compared: the fixtures in files/sample_results/ cannot drift unnoticed."""
    from autograder.report import main
    from autograder.runner import grade

    samples = ch30.root.parents[1] / "samples"
    code = [e.id for e in ch30.select(kind="code") if (samples / "alice" / e.file).exists()]
    results = tmp_path / "results"
    results.mkdir()
    for name in ("alice", "bob", "carol"):
        grade(samples / name, ch30, exercises=code, sandbox="local").write(results / f"{name}.json")
    summary = main(results_dir=results, output=tmp_path / "report", assignment=ch30,
                   submissions=samples)
    g = {x.student: x for x in summary.grades}
    assert g["alice"].code == g["alice"].max_score and g["carol"].code == 0
    assert 0 < g["bob"].code < g["alice"].code
    assert summary.pairs == []                   # three different solutions: nothing alike
    assert (tmp_path / "report" / "feedback" / "bob.md").is_file()
