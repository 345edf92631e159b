"""Fixtures for the report tests: the synthetic factory, a graded batch on disk (sample
results graded from samples/, synthetic ones, a hostile one, a gradebook.db with a TA
override), and the report built from it once per session."""
from __future__ import annotations

import importlib.util
import random
import shutil
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from autograder.assignment import Assignment
from autograder.gradebook import Gradebook
from autograder.results import SubmissionResult

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"
ROOT = HERE.parents[1]

_spec = importlib.util.spec_from_file_location("report_factory", HERE / "factory.py")
factory_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(factory_module)
sys.modules["report_factory"] = factory_module     # tests import helpers from it by name

DEADLINE = "2026-12-01T23:59:00+01:00"
LATE_POLICY = {"deadline": DEADLINE, "grace_minutes": 15, "penalty_per_day": 0.1,
               "max_penalty": 0.3, "extensions": {"student0003": "2026-12-04T23:59:00+01:00"}}


@pytest.fixture(scope="session")
def factory():
    return factory_module


@pytest.fixture(scope="session")
def ch30() -> Assignment:
    return Assignment.load(ROOT / "assignments" / "ch30")


def assignment_with(tmp: Path, **extra) -> Assignment:
    """A copy of ch30's assignment.yaml (same checks, template, reference paths) with the
    report's keys added."""
    src = ROOT / "assignments" / "ch30"
    data = yaml.safe_load((src / "assignment.yaml").read_text(encoding="utf-8"))
    data["paths"] = {k: str((src / v).resolve()) for k, v in data.get("paths", {}).items()}
    data.update(extra)
    folder = tmp / "assignment"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "assignment.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    return Assignment.load(folder)


@pytest.fixture(scope="session")
def graded(tmp_path_factory) -> dict:
    """results/ (+ gradebook.db with an override), submissions/ (for similarity and
    timestamps), timestamps.csv, and an assignment with a late policy and a Canvas id."""
    tmp = tmp_path_factory.mktemp("graded")
    f = factory_module
    results = [SubmissionResult.from_json_file(p)
               for p in sorted((FILES / "sample_results").glob("*.json"))]
    synthetic = f.batch(12, seed=7)
    hostile = f.result(f.HOSTILE_ID, random.Random(3))
    hostile.exercises[10].checks[0].status = "failed"
    hostile.exercises[10].checks[0].message = f.HOSTILE_MESSAGE
    hostile.output = f.HOSTILE_MESSAGE
    rnd = random.Random(11)
    coders = sorted(p.name for p in (FILES / "submissions").iterdir() if p.is_dir()) + ["yuri"]
    results += synthetic + [hostile] + [f.result(name, rnd) for name in coders]
    out = f.write(results, tmp / "results")
    book = Gradebook(out / "gradebook.db")
    for r in results:
        book.record(r, None, out / f"{r.submission}.json")
    book.close()
    from autograder import overrides as ov
    ov.set_override(out / "gradebook.db", "student0001", "ex02", None, 3.0, "ta-bob",
                    "=said it in other words")
    subs = tmp / "submissions"
    shutil.copytree(FILES / "submissions", subs)
    for r in synthetic[:4]:
        (subs / r.submission).mkdir(exist_ok=True)
    (subs / "student0002" / "submitted_at.txt").write_text("2026-12-03T10:00:00+01:00\n")
    with zipfile.ZipFile(subs / "yuri.zip", "w") as zf:         # a zip: code and its time
        info = zipfile.ZipInfo("yuri/ex13_clip_loss.py", date_time=(2026, 12, 2, 12, 0, 0))
        zf.writestr(info, (FILES / "submissions" / "chen" / "ex13_clip_loss.py").read_text())
    stamps = tmp / "timestamps.csv"
    stamps.write_text("Student,Submitted At\nstudent0000,2026-12-02T00:20:00+01:00\n"
                      "student0001,2026-12-01T20:00:00+01:00\n"
                      "student0003,2026-12-03T12:00:00+01:00\n", encoding="utf-8")
    assignment = assignment_with(tmp, late_policy=LATE_POLICY,
                                 canvas={"assignment_id": 4242, "assignment_name": "Chapter 30"})
    return {"results": out, "submissions": subs, "timestamps": stamps,
            "assignment": assignment, "tmp": tmp, "students": [r.submission for r in results]}


@pytest.fixture(scope="session")
def built(graded):
    """The report of ``graded``, built once through the library entry point."""
    from autograder.report import main

    summary = main(results_dir=graded["results"], output=graded["tmp"] / "report",
                   assignment=graded["assignment"], submissions=graded["submissions"],
                   timestamps_csv=graded["timestamps"], show_hidden="names",
                   now=datetime(2026, 12, 5, tzinfo=timezone.utc))
    return summary
