"""Exercise 20's experiment: the reference reproduces the seed's finding on a CPU (slow),
and the report command runs end to end (fast, on tiny settings)."""

from pathlib import Path

import pytest

from mmkit import two_stage_report as report

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "reference"


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_reproduces_the_finding(seed):
    """Coarse questions well above chance and far above the blind model; counting many
    small objects and reading small letters clearly worse; worse as objects multiply or
    shrink (about 25 s a seed on one core)."""
    r = report.run(REFERENCE, seed=seed)
    acc, blind = r["accuracy"], r["blind_accuracy"]
    coarse = mean(acc[c] for c in ("color", "shape"))
    assert coarse >= 0.6, acc                                   # chance 0.21
    assert coarse - mean(blind[c] for c in ("color", "shape")) >= 0.4, (acc, blind)
    assert mean(acc[c] for c in ("count", "small_text")) <= coarse - 0.3, acc
    assert acc["small_text"] <= 0.3, acc                        # chance 0.125
    by_number = r["count_by_number"]
    assert mean(by_number[k] for k in (4, 5)) < mean(by_number[k] for k in (2, 3)), by_number
    by_size = r["color_by_size"]
    assert by_size[3.0] <= by_size[14.0] - 0.3, by_size       # one object under a patch
    assert all(ok for _, ok in report.claims(r)), report.claims(r)
    assert r["seconds"]["run_two_stage_cpu"] < 40


def test_report_command_writes_report_and_plot(tmp_path):
    r = report.main(["--submission", str(REFERENCE), "--out", str(tmp_path), "--seed", "3",
                     "--quick"])
    text = (tmp_path / "report.md").read_text()
    for category in ("color", "shape", "position", "count", "small_text"):
        assert f"| {category} |" in text
    assert "two_stage.png" in text and "blind" in text
    png = tmp_path / "two_stage.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert (tmp_path / "results.json").is_file()
    assert len(r["stage1_losses"]) == report.QUICK["stage1_steps"]
    assert set(r["count_by_number"]) == set(report.COUNTS)


def test_report_without_a_model(tmp_path, monkeypatch):
    """A run_two_stage that returns no "vlm" still gets a report, without the probes."""
    module = report.load_submission(REFERENCE)
    original = module.run_two_stage

    def no_vlm(**kwargs):
        out = dict(original(**kwargs))
        out.pop("vlm")
        return out

    monkeypatch.setattr(report, "load_submission", lambda _: type(
        "M", (), {"run_two_stage": staticmethod(no_vlm), "answer": module.answer}))
    r = report.run(REFERENCE, seed=0, quick=True)
    assert "note" in r and "count_by_number" not in r
    md, _ = report.write(r, tmp_path)
    assert "no blind baseline" in md.read_text()
