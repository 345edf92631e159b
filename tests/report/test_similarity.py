"""The similarity finder flags a planted renamed copy and leaves independent solutions
of the same exercise alone.

files/submissions/: ben, chen, dara, eli hold independent correct solutions of ex13
and ex15 (written differently, as tests/alternative/ keeps them); mallory's are
copies of chen's ex13 and ben's ex15 with every name changed, comments and docstrings
rewritten, lines re-wrapped and the functions reordered; tom and uma handed in the
untouched template; zed's file does not parse.
"""
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder.report import similarity as S

HERE = Path(__file__).resolve().parent
SUBS = HERE / "files" / "submissions"
TEMPLATE = HERE.parents[1] / "student_template"
EXERCISES = [("ex13", "ex13_clip_loss.py"), ("ex15", "ex15_projector.py")]
PLANTED = {("ex13", "chen", "mallory"), ("ex15", "ben", "mallory")}


@pytest.fixture(scope="module")
def findings():
    return S.find(SUBS, EXERCISES, TEMPLATE)


def test_planted_copies_are_flagged(findings):
    flagged = {(p.exercise, p.a, p.b) for p in findings.pairs}
    assert flagged == PLANTED
    for p in findings.pairs:
        assert p.score >= 0.8 and p.regions


def test_independent_solutions_are_far_below_the_threshold(findings):
    independent = [s for ex, scores in findings.scores.items() for a, b, s in scores
                   if (ex, a, b) not in PLANTED]
    planted = [s for ex, scores in findings.scores.items() for a, b, s in scores
               if (ex, a, b) in PLANTED]
    assert max(independent) < 0.3 < S.THRESHOLD < 0.8 < min(planted)


def test_the_template_alone_is_not_similarity(findings):
    assert findings.compared == {"ex13": 7, "ex15": 7}
    scored = {(a, b) for scores in findings.scores.values() for a, b, _ in scores}
    assert ("tom", "uma") not in scored             # identical files, but only template code
    without_template = S.find(SUBS, EXERCISES[1:], None)
    assert ("ex15", "tom", "uma") in {(p.exercise, p.a, p.b) for p in without_template.pairs}


def test_regions_point_at_the_shared_code(findings):
    pair = next(p for p in findings.pairs if p.exercise == "ex13")
    assert any("logsumexp" in r.a_code and "logsumexp" in r.b_code for r in pair.regions)
    assert any("einsum" in r.a_code and "einsum" in r.b_code for r in pair.regions)
    sources = {who: (SUBS / who / "ex13_clip_loss.py").read_text().splitlines()
               for who in (pair.a, pair.b)}
    for r in pair.regions:
        for who, (first, last), code in ((pair.a, r.a_lines, r.a_code),
                                         (pair.b, r.b_lines, r.b_code)):
            assert "\n".join(sources[who][first - 1:last]) == code


def test_renaming_comments_and_layout_do_not_change_the_tokens():
    original = ("import torch\n\ndef f(x, y):\n    # add\n"
                "    z = torch.cat([x, y,], dim=0)\n    return z.sum()\n")
    disguised = ('"""Mine."""\nimport torch\ndef g(a,\n      b):\n    """Sum both."""\n'
                 "    out = torch.cat(\n        [a, b], dim=0)  # joined\n    return out.sum()\n")
    assert [t.text for t in S.tokens(original)] == [t.text for t in S.tokens(disguised)]
    assert "cat" in [t.text for t in S.tokens(original)]     # library names stay


def test_broken_code_is_compared_without_crashing():
    toks = S.tokens((SUBS / "zed" / "ex13_clip_loss.py").read_text())
    assert toks and all(t.text != "clip_loss" for t in toks)


def test_zip_submissions_are_read(tmp_path):
    with zipfile.ZipFile(tmp_path / "kim.zip", "w") as zf:
        zf.writestr("kim/ex13_clip_loss.py", (SUBS / "chen" / "ex13_clip_loss.py").read_text())
        zf.writestr("__MACOSX/kim/ex13_clip_loss.py", "junk")
    (tmp_path / "lea").mkdir()
    shutil.copy(SUBS / "chen" / "ex13_clip_loss.py", tmp_path / "lea")
    got = S.find(tmp_path, EXERCISES[:1], TEMPLATE)
    assert [(p.a, p.b, p.score) for p in got.pairs] == [("kim", "lea", 1.0)]


def test_code_everyone_writes_is_left_out():
    shared = ("def f(x):\n    y = x.reshape(-1)\n    y = y.softmax(0)\n"
              "    return y.cumsum(0).flip(0).mean()\n")
    files = {f"s{i}": shared + f"\ndef g{i}():\n    return {i}\n" for i in range(8)}
    pairs, _ = S.compare(files, None, common_min=5)
    assert pairs == []                          # in all 8 (more than 5): common code
    pairs, _ = S.compare(files, None, common_min=10)
    assert len(pairs) == 28
