"""qa_eval_set's fine-detail controls (num_objects, size, glyph_size), for exercise 20's probes.

Without them the held-out set is exactly what it always was; with them every scene of the
kinds they describe obeys them, and the others are left alone.
"""

import pytest
import torch

from mmkit import get_tokenizer, qa_eval_set, render, sample_scene
from mmkit.data import _rng, pad_right
from mmkit.grammar import CATEGORIES, CATEGORY_KIND, question_answer
from mmkit.world import NUMBERS


def held_out_without_controls(n, seed, categories=CATEGORIES):
    """qa_eval_set as it was before the controls existed, written out here."""
    tok = get_tokenizer()
    images, questions, answers, cats = [], [], [], []
    for index in range(n):
        category = categories[index % len(categories)]
        scene = sample_scene(_rng("eval", "qa", seed, index), CATEGORY_KIND[category])
        q, a = question_answer(scene, category)
        images.append(render(scene))
        questions.append(q)
        answers.append(a)
        cats.append(category)
    return {"images": torch.stack(images), "questions": questions, "answers": answers,
            "category": cats,
            "question_ids": pad_right([tok.encode(q) for q in questions], tok.pad_id),
            "answer_ids": pad_right([tok.encode(a) + [tok.eos_id] for a in answers], tok.pad_id)}


@pytest.mark.parametrize("n, seed, categories", [(20, 0, None), (13, 5, ("count", "small_text"))])
def test_no_controls_is_unchanged(n, seed, categories):
    got = qa_eval_set(n, seed, categories)
    want = held_out_without_controls(n, seed, categories or CATEGORIES)
    assert torch.equal(got["images"], want["images"])
    for key in ("question_ids", "answer_ids"):
        assert torch.equal(got[key], want[key])
    for key in ("questions", "answers", "category"):
        assert got[key] == want[key]


@pytest.mark.parametrize("k", [1, 4, 6, 9])
def test_num_objects_fixes_the_count(k):
    data = qa_eval_set(10, 3, ["count"], num_objects=k)
    assert data["answers"] == [NUMBERS[k - 1]] * 10


def test_num_objects_leaves_other_categories_alone():
    plain, counted = qa_eval_set(10, 2), qa_eval_set(10, 2, num_objects=5)
    for i, category in enumerate(plain["category"]):
        if category == "count":
            assert counted["answers"][i] == "five"
        else:
            assert torch.equal(plain["images"][i], counted["images"][i])
            assert plain["answers"][i] == counted["answers"][i]


def lit_pixels(image, threshold=0.2):
    """Pixels clearly brighter than the dark background, in any channel."""
    return int((image.max(dim=0).values > threshold).sum())


def test_size_shrinks_the_object():
    big = qa_eval_set(8, 1, ["color"], size=14.0)
    small = qa_eval_set(8, 1, ["color"], size=3.0)
    assert big["answers"] == small["answers"]  # same colours drawn: only the size changed
    for b, s in zip(big["images"], small["images"]):
        assert lit_pixels(s) < 20 < 80 < lit_pixels(b)


def test_size_applies_to_count_scenes():
    data = qa_eval_set(6, 0, ["count"], num_objects=2, size=5.0)
    for image in data["images"]:
        assert 2 * 10 <= lit_pixels(image) <= 2 * 36  # two 5-px objects


@pytest.mark.parametrize("glyph", [2, 8, 12])
def test_glyph_size_sets_the_letter_height(glyph):
    data = qa_eval_set(6, 4, ["small_text"], glyph_size=glyph)
    for image in data["images"]:
        rows = (image.max(dim=0).values > 0.5).any(dim=1).nonzero().flatten()
        assert int(rows.max() - rows.min()) + 1 <= glyph
        if glyph >= 8:
            assert int(rows.max() - rows.min()) + 1 >= glyph - 2


def test_controls_are_checked():
    with pytest.raises(ValueError):
        qa_eval_set(5, 0, ["count"], num_objects=0)
    with pytest.raises(ValueError):
        qa_eval_set(5, 0, ["small_text"], glyph_size=40)
    with pytest.raises(ValueError):
        qa_eval_set(5, 0, ["color"], size="huge")
