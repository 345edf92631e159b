"""Totals with the parts kept apart, weights, the late policy and where times come from."""
import zipfile
from datetime import datetime, timedelta, timezone

import pytest

from autograder.assignment import AssignmentError
from autograder.report import timestamps
from autograder.report.grades import auto_score, columns, grade_all
from autograder.report.policy import LatePolicy, Policy, parse_time
from report_factory import CET, DEADLINE, small_result

def test_parts_are_kept_apart_and_add_up():
    r = small_result(override=3.0)
    policy = Policy()
    (g,) = grade_all([r], columns([r], ["ex01", "ex11"], policy), policy)
    assert (g.code, g.rubric, g.overrides) == (4.0, 2.0, 1.0)
    assert g.raw == g.final == 7.0 and g.max_score == 9.0
    assert g.scores == {"ex01": 3.0, "ex11": 4.0} and g.auto == {"ex01": 2.0, "ex11": 4.0}
    assert g.review == []                         # the override resolved the review


def test_review_flag_and_a_lowering_override():
    r = small_result(override=0.5)
    (g,) = grade_all([r], columns([r], [], Policy()), Policy())
    assert g.overrides == -1.5 and g.raw == 4.5
    (g2,) = grade_all([small_result()], columns([small_result()], [], Policy()), Policy())
    assert g2.review == ["ex01"]


def test_weights_per_kind_and_per_exercise_then_rescaled():
    r = small_result(override=3.0)
    policy = Policy.from_yaml({"grading": {"weights": {"rubric": 2, "ex11": 0.5}}})
    (g,) = grade_all([r], columns([r], [], policy), policy)
    assert (g.code, g.rubric, g.overrides, g.max_score) == (2.0, 4.0, 2.0, 9.0)
    policy = Policy.from_yaml({"grading": {"weights": {"rubric": 2, "ex11": 0.5}, "points": 100}})
    (g,) = grade_all([r], columns([r], [], policy), policy)
    assert g.max_score == pytest.approx(100) and g.raw == pytest.approx(800 / 9, abs=1e-3)


def test_an_exercise_graded_for_others_counts_zero_and_is_named():
    full, partial = small_result("a"), small_result("b")
    partial.exercises = partial.exercises[1:]             # no ex01 in b's result
    cols = columns([full, partial], [], Policy())
    g = {x.student: x for x in grade_all([full, partial], cols, Policy())}
    assert g["b"].absent == ["ex01"] and g["b"].max_score == g["a"].max_score == 9.0


def test_auto_score_reads_what_overrides_kept():
    ex = small_result(override=3.0).exercises[0]
    assert auto_score(ex) == 2.0 and ex.score == 3.0


@pytest.fixture
def late():
    return LatePolicy.from_yaml({"deadline": "2026-12-01T23:59:00+01:00", "grace_minutes": 15,
                                 "penalty_per_day": 0.1, "max_penalty": 0.25,
                                 "extensions": {"bea": "2026-12-03T23:59:00+01:00"}})


@pytest.mark.parametrize("after, days, fraction", [
    (timedelta(hours=-3), 0, 0.0),                 # early
    (timedelta(minutes=15), 0, 0.0),               # inside the grace period
    (timedelta(minutes=16), 1, 0.1),               # just past it: the first started day
    (timedelta(days=1, minutes=1), 2, 0.2),
    (timedelta(days=9), 9, 0.25),                  # capped
])
def test_late_policy(late, after, days, fraction):
    got = late.assess("ann", DEADLINE + after, "csv")
    assert (got.days, got.is_late) == (days, days > 0)
    assert got.fraction == pytest.approx(fraction)


def test_extension_moves_the_deadline_and_no_time_is_not_late(late):
    assert not late.assess("bea", DEADLINE + timedelta(days=1)).is_late
    assert late.assess("bea", DEADLINE + timedelta(days=2, hours=1)).days == 1
    assert late.assess("ann", None).days == 0


def test_penalty_comes_off_the_raw_score(late):
    r = small_result()
    policy = Policy(late=late)
    cols = columns([r], [], policy)
    (g,) = grade_all([r], cols, policy, {"ann": (DEADLINE + timedelta(hours=30), "csv")})
    assert g.raw == 6.0 and g.penalty == pytest.approx(1.2) and g.final == pytest.approx(4.8)


def test_deadline_needs_a_timezone_and_fractions_stay_fractions():
    with pytest.raises(AssignmentError, match="timezone"):
        LatePolicy.from_yaml({"deadline": "2026-12-01T23:59:00"})
    with pytest.raises(AssignmentError, match="fraction"):
        LatePolicy.from_yaml({"deadline": "2026-12-01T23:59:00Z", "penalty_per_day": 10})
    yaml_datetime = datetime(2026, 12, 1, 22, 59, tzinfo=timezone.utc)   # YAML parses times
    assert LatePolicy.from_yaml({"deadline": yaml_datetime}).deadline == DEADLINE
    assert Policy.from_yaml({}).late is None


def test_time_formats():
    assert parse_time("2026-12-01T22:59:00Z") == DEADLINE
    assert parse_time("2026-12-01 23:59", CET) == DEADLINE
    assert parse_time(str(DEADLINE.timestamp())) == DEADLINE
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_time("yesterday")


def test_timestamps_from_csv_file_and_zip(tmp_path):
    lms = tmp_path / "lms.csv"
    lms.write_text("\ufeffSIS Login ID;Submission time\nann;2026-12-01T22:00:00Z\nbob;\n",
                   encoding="utf-8")
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    (subs / "ann" / ".timestamp").write_text("2026-11-30T10:00:00+01:00")   # the CSV wins
    (subs / "cid").mkdir()
    (subs / "cid" / "submitted_at.txt").write_text("1796162340\n")
    with zipfile.ZipFile(subs / "dan.zip", "w") as zf:
        zf.writestr(zipfile.ZipInfo("dan/ex11_patchify.py", (2026, 12, 2, 9, 30, 0)), "x = 1\n")
        zf.writestr(zipfile.ZipInfo("dan/answers.md", (2026, 12, 1, 9, 0, 0)), "a\n")
    found, problems = timestamps.collect(["ann", "bob", "cid", "dan", "../etc"], csv_path=lms,
                                         submissions=subs, default_tz=CET)
    assert problems == []
    assert found["ann"] == (datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc), "csv")
    assert "bob" not in found and "../etc" not in found
    assert found["cid"][1] == "file" and found["cid"][0].timestamp() == 1796162340
    assert found["dan"] == (datetime(2026, 12, 2, 9, 30, tzinfo=CET), "zip")    # the newest member


def test_timestamp_csv_without_the_columns_or_with_a_bad_time_says_so(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,when\nann,now\n")
    with pytest.raises(timestamps.TimestampError, match="student,submitted_at"):
        timestamps.read_csv(bad)
    bad.write_text("student,submitted_at\nann,tomorrow\n")
    with pytest.raises(timestamps.TimestampError, match="row 2"):
        timestamps.read_csv(bad)
