"""Batches: shapes and padding conventions, determinism, categories, real held-out sets."""

import itertools

import pytest
import torch

from mmkit import CATEGORIES, IMAGE_SIZE, caption_batches, classification_set, get_tokenizer, qa_batches, qa_eval_set
from mmkit.data import scene_seed
from mmkit.world import COLORS, LETTERS, NUMBERS, POSITIONS, SHAPES

ANSWERS = {
    "color": set(COLORS),
    "shape": set(SHAPES),
    "position": set(POSITIONS),
    "count": set(NUMBERS),
    "small_text": set(LETTERS),
}


def _rows_are_right_padded(ids, lengths, pad_id):
    for row, n in zip(ids.tolist(), lengths):
        assert pad_id not in row[:n]
        assert all(t == pad_id for t in row[n:])


def test_caption_batch_layout():
    tok = get_tokenizer()
    batch = next(caption_batches(8, seed=0))
    assert batch["images"].shape == (8, 3, IMAGE_SIZE, IMAGE_SIZE)
    assert batch["images"].dtype == torch.float32
    ids = batch["input_ids"]
    assert ids.dtype == torch.long and ids.shape[0] == 8
    rows = [[tok.bos_id] + tok.encode(c) + [tok.eos_id] for c in batch["captions"]]
    assert ids.shape[1] == max(len(r) for r in rows)
    for row, expected in zip(ids.tolist(), rows):
        assert row[: len(expected)] == expected
    _rows_are_right_padded(ids, [len(r) for r in rows], tok.pad_id)


def test_caption_batches_are_deterministic_and_seeded():
    a = list(itertools.islice(caption_batches(4, seed=3), 2))
    b = list(itertools.islice(caption_batches(4, seed=3), 2))
    c = next(caption_batches(4, seed=4))
    for x, y in zip(a, b):
        assert torch.equal(x["images"], y["images"]) and torch.equal(x["input_ids"], y["input_ids"])
        assert x["captions"] == y["captions"]
    assert not torch.equal(a[0]["images"], c["images"])
    assert not torch.equal(a[0]["images"], a[1]["images"])  # the stream moves on


def test_qa_batch_layout():
    tok = get_tokenizer()
    batch = next(qa_batches(10, seed=0))
    assert batch["images"].shape == (10, 3, IMAGE_SIZE, IMAGE_SIZE)
    q, a = batch["question_ids"], batch["answer_ids"]
    assert q.dtype == a.dtype == torch.long and q.shape[0] == a.shape[0] == 10
    for i in range(10):
        qi, ai = tok.encode(batch["questions"][i]), tok.encode(batch["answers"][i]) + [tok.eos_id]
        assert q[i, : len(qi)].tolist() == qi and a[i, : len(ai)].tolist() == ai
    _rows_are_right_padded(q, [len(tok.encode(s)) for s in batch["questions"]], tok.pad_id)
    _rows_are_right_padded(a, [len(tok.encode(s)) + 1 for s in batch["answers"]], tok.pad_id)
    assert len(batch["category"]) == len(batch["questions"]) == len(batch["answers"]) == 10


def test_qa_answers_belong_to_their_category():
    batch = next(qa_batches(60, seed=1))
    assert set(batch["category"]) == set(CATEGORIES)  # None mixes all five
    for category, answer in zip(batch["category"], batch["answers"]):
        assert answer in ANSWERS[category]


def test_qa_categories_filter():
    batch = next(qa_batches(12, seed=0, categories=["count", "small_text"]))
    assert set(batch["category"]) <= {"count", "small_text"}
    with pytest.raises(ValueError, match="categories"):
        qa_batches(2, seed=0, categories=["colour"])


def test_qa_batches_are_deterministic():
    a, b = next(qa_batches(6, seed=2)), next(qa_batches(6, seed=2))
    assert torch.equal(a["images"], b["images"]) and a["questions"] == b["questions"]


def test_qa_eval_set_is_balanced_and_deterministic():
    data = qa_eval_set(20, seed=0)
    assert data["images"].shape[0] == 20 and len(data["answers"]) == 20
    assert [data["category"].count(c) for c in CATEGORIES] == [4] * 5
    again = qa_eval_set(20, seed=0)
    assert torch.equal(data["images"], again["images"]) and data["answers"] == again["answers"]
    assert set(qa_eval_set(6, seed=0, categories=["color"])["category"]) == {"color"}


def test_held_out_scene_seeds_never_meet_training_seeds():
    train = {scene_seed("train", s, seed, i) for s in ("caption", "qa") for seed in (0, 1) for i in range(5000)}
    held_out = {scene_seed("eval", s, seed, i) for s in ("qa", "classify-shape") for seed in (0, 1) for i in range(5000)}
    assert not train & held_out


def test_held_out_images_are_not_training_images():
    train = torch.cat([b["images"] for b in itertools.islice(caption_batches(256, seed=0), 4)]
                      + [next(qa_batches(512, seed=0))["images"]])
    held_out = torch.cat([qa_eval_set(100, seed=0)["images"], classification_set(100, seed=0)["images"]])
    seen = {img.numpy().tobytes() for img in train}
    assert not any(img.numpy().tobytes() in seen for img in held_out)


@pytest.mark.parametrize("attribute", ["shape", "color", "position"])
def test_classification_set(attribute):
    data = classification_set(24, seed=0, attribute=attribute)
    C = len(data["class_names"])
    assert data["images"].shape == (24, 3, IMAGE_SIZE, IMAGE_SIZE)
    assert data["labels"].dtype == torch.long and data["labels"].shape == (24,)
    assert torch.bincount(data["labels"], minlength=C).tolist() == [24 // C + (i < 24 % C) for i in range(C)]
    assert torch.equal(data["images"], classification_set(24, seed=0, attribute=attribute)["images"])
