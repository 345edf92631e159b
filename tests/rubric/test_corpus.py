"""The answer-style corpus: every case lands within tolerance of the TA's score.

Each case in corpus/exNN.yaml carries the score a careful TA gave it (written before
the rubrics were tuned). Tolerance: 0.5 of 3 points unless the case states its own.
Answers in another language are not scored offline: they must be flagged for review
with a provisional 0. Keyword lists and question echoes must be flagged too.
"""
from pathlib import Path

import pytest
import yaml

from autograder.rubric import score_text

CORPUS = Path(__file__).resolve().parent / "corpus"
TOLERANCE = 0.5
MUST_FLAG = {"language", "keyword_list", "echo"}


def _cases():
    for path in sorted(CORPUS.glob("ex*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            yield pytest.param(data["exercise"], case, id=f"{data['exercise']}-{case['name']}")


CASES = list(_cases())


@pytest.mark.parametrize("exercise, case", CASES)
def test_case_lands_within_tolerance_of_the_ta(exercise, case, rubrics):
    rubric = rubrics[exercise]
    got = score_text(case["answer"], rubric, rubrics)
    flagged = got.confidence < rubric.review_threshold or bool(got.flags)
    detail = "\n".join(f"  {c.criterion.id}: {c.score:g} {c.message[:160]}" for c in got.criteria)
    if case["style"] == "language":
        assert "language" in got.flags and got.score == 0, detail
    else:
        tol = case.get("tolerance", TOLERANCE)
        assert abs(got.score - case["ta"]) <= tol + 1e-9, \
            f"TA {case['ta']} vs auto {got.score} (tolerance {tol})\n{detail}"
    if case.get("review") or case["style"] in MUST_FLAG:
        assert flagged, f"expected a review flag (confidence {got.confidence})\n{detail}"


def test_corpus_covers_every_style_and_exercise():
    styles = {}
    for param in CASES:
        exercise, case = param.values
        styles.setdefault(case["style"], set()).add(exercise)
    for style in ("strong", "terse", "partial", "misconception", "keyword_list", "off_topic",
                  "echo", "paraphrase", "language"):
        assert len(styles.get(style, ())) >= 8, f"style {style} in too few exercises: {styles.get(style)}"
    assert "wrong_number" in styles
    assert len(CASES) >= 100


def test_correct_answers_are_not_flagged(rubrics):
    """Strong and paraphrased answers are scored with confidence, not sent to a TA."""
    for param in CASES:
        exercise, case = param.values
        if case["style"] in ("strong", "paraphrase"):
            got = score_text(case["answer"], rubrics[exercise], rubrics)
            assert got.confidence >= rubrics[exercise].review_threshold, (exercise, case["name"])


def test_off_topic_fluent_text_scores_about_zero(rubrics):
    for param in CASES:
        exercise, case = param.values
        if case["style"] == "off_topic":
            assert score_text(case["answer"], rubrics[exercise], rubrics).score <= 0.5
