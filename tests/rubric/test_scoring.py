"""How answers are scored: evidence, negation, relations, deductions, detectors, confidence."""
import shutil

import pytest

from autograder.results import STATUSES
from autograder.rubric import score_answers, score_document, score_text


def crit(result, cid):
    return next(c for c in result.criteria if c.criterion.id == cid)


def test_every_point_has_an_evidence_sentence(rubrics):
    text = ("Attention is permutation-equivariant. Without position embeddings the model "
            "cannot tell where a patch is. The spatial layout is lost.")
    got = score_text(text, rubrics["ex03"])
    assert got.score == 3
    assert crit(got, "where_lost").message == \
        'found: "Without position embeddings the model cannot tell where a patch is."'


def test_negation_decides_between_idea_and_misconception(rubrics):
    right = score_text("Attention does not know the order of the patches, so the model cannot "
                       "tell where each patch sits.", rubrics["ex03"])
    wrong = score_text("Attention already knows the order of the patches, so the model can "
                       "tell where each patch sits.", rubrics["ex03"])
    assert crit(right, "order_blind").score == 1
    assert crit(wrong, "order_blind").score == 0
    assert "deducted" in " ".join(c.message for c in wrong.criteria) or wrong.score == 0
    assert wrong.score < right.score


def test_words_scattered_over_an_answer_are_not_a_relation(rubrics):
    scattered = ("The projector is a small MLP. Mapping words to meanings is what language does. "
                 "The LLM has an embedding table. Space is large.")
    got = score_text(scattered, rubrics["ex06"])
    assert crit(got, "projector_role").score < 1


def test_deductions_never_take_an_exercise_below_zero(rubrics):
    got = score_text("In stage 1 we train the LLM. Stage 1 trains the whole language model and the "
                     "vision encoder from scratch.", rubrics["ex07"])
    assert got.score == 0 and all(c.score >= 0 for c in got.criteria)


def test_stage_scope_keeps_stage_two_from_taking_stage_one_words(rubrics):
    got = score_text("In stage 1 we train the LLM on captions while the projector is frozen, and "
                     "in stage 2 we train the projector on instruction data.", rubrics["ex07"])
    assert crit(got, "stage2").score < 1


def test_wrong_number_gets_no_count_credit_and_is_quoted(rubrics):
    got = score_text("Patches are flattened and linearly projected. 336/14 = 22 so 22x22 = 484 "
                     "tokens.", rubrics["ex02"])
    count = crit(got, "token_count")
    assert count.score == 0 and "484" in count.message or "22" in count.message


def test_right_and_wrong_numbers_together_get_half_and_review(rubrics):
    got = score_text("Patches are flattened and linearly projected: (336/14)^2 tokens, i.e. 484 "
                     "tokens.", rubrics["ex02"])
    count = crit(got, "token_count")
    assert count.score == 0.5 and got.confidence < rubrics["ex02"].review_threshold


def test_keyword_list_echo_and_language_are_flagged(rubrics):
    keywords = score_text("- patches\n- flatten\n- linear projection\n- 576 tokens", rubrics["ex02"])
    echo = score_text("Position embeddings are needed by patch tokens; without them it goes "
                      "wrong.", rubrics["ex03"])
    german = score_text("Die Aufmerksamkeit ist blind für die Reihenfolge, deshalb braucht man "
                        "Positionseinbettungen, sonst geht die räumliche Anordnung verloren.",
                        rubrics["ex03"])
    assert "keyword_list" in keywords.flags and keywords.score <= 1.5
    assert "echo" in echo.flags and echo.score == 0
    assert "language" in german.flags and german.score == 0
    assert "German" in german.reasons[0]


def test_a_swapped_answer_is_flagged(rubrics):
    ex05_answer = ("CLIP features are semantic and aligned with text because CLIP was trained "
                   "against captions; raw pixels would force the LLM to learn vision from scratch.")
    got = score_text(ex05_answer, rubrics["ex09"], rubrics)
    assert "other_exercise" in got.flags and "ex05" in " ".join(got.reasons)


def test_exercise_results_carry_status_review_and_confidence(assignment, tmp_path):
    (tmp_path / "answers.md").write_text(
        "## Exercise 3\nAttention is permutation-invariant, so without position embeddings the "
        "model loses where each patch is and the spatial layout.\n\n## Exercise 2\npatches, "
        "flatten, 576\n", encoding="utf-8")
    results = {r.id: r for r in score_answers(tmp_path, assignment, ["ex02", "ex03", "ex04"])}
    assert set(results) == {"ex02", "ex03", "ex04"}
    for r in results.values():
        assert r.kind == "rubric" and set(r.review) >= {"needed", "confidence", "reason"}
        assert all(c.status in STATUSES and not c.hidden for c in r.checks)
        assert all(c.id.startswith(r.id + ".") for c in r.checks)
    assert results["ex03"].score == 3 and not results["ex03"].review["needed"]
    assert results["ex02"].review["needed"]
    assert all(c.status == "missing" for c in results["ex04"].checks)
    partial = [c for c in results["ex02"].checks if 0 < c.score < c.max_score]
    assert partial and all(c.status == "failed" and c.message.startswith("partly") for c in partial)


def test_answers_file_name_variants(assignment, tmp_path):
    (tmp_path / "Answers.MD").write_text("## Exercise 3\nAttention is permutation-invariant.\n")
    r = score_answers(tmp_path, assignment, ["ex03"])[0]
    assert r.score >= 1


def test_text_outside_sections_is_reported_on_missing_answers(rubrics):
    doc = ("Attention is permutation-equivariant so without position embeddings the layout is "
           "lost and the model cannot tell where patches are.\n\n## Exercise 1\nEverything is "
           "turned into tokens.\n")
    results = {r.id: r for r in score_document(doc, rubrics, [("ex01", "t"), ("ex03", "t")])}
    assert results["ex03"].review["needed"] and "outside any exercise" in results["ex03"].review["reason"]


def test_rubric_scoring_is_fast(rubrics, assignment):
    import time
    text = open(assignment.root.parents[1] / "reference" / "answers.md", encoding="utf-8").read()
    started = time.perf_counter()
    for _ in range(5):
        score_document(text, rubrics)
    assert (time.perf_counter() - started) / 5 < 1.0


def test_common_misspellings_of_key_terms_still_match(rubrics):
    text = ("A frozen CLIP encoder feeds a small MLP projector which maps features into the "
            "LLM's embeding space; it is small because both sides are already pretrained.")
    got = score_text(text, rubrics["ex06"], rubrics)
    role = crit(got, "projector_role")
    assert role.score == 1 and "embeding" in role.message    # evidence quotes the answer as written


def test_typo_folding_is_conservative(rubrics):
    from autograder.rubric.scorer import vocabulary_of
    vocab = vocabulary_of(rubrics["ex01"], rubrics)
    assert vocab.correct("spectogram") == "spectrogram"
    assert vocab.correct("atention") == "attention"
    assert vocab.correct("patching") == "patching"     # a different first letter: not a typo
    assert vocab.correct("cat") == "cat"               # short words are left alone
