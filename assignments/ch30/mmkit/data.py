"""Batches of shapes-world data: captions, question/answer pairs, classification sets.

Every scene has its own seed, a hash of (split, stream, seed, index). Training iterators
use split "train" and held-out sets split "eval", so no held-out scene is ever a
training scene, whatever seeds the two sides are given.

Padding conventions (tokenizer `tok = get_tokenizer()`):
- caption `input_ids` rows are `[bos] + encode(caption) + [eos]`, right-padded with pad_id;
- `question_ids` rows are `encode(question)`, right-padded;
- `answer_ids` rows are `encode(answer) + [eos]`, right-padded.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Iterator, Sequence

import torch

from .grammar import CATEGORIES, CATEGORY_KIND, caption, question_answer
from .tokenizer import get_tokenizer
from .world import COLORS, IMAGE_SIZE, POSITIONS, SHAPES, render, sample_scene

SPLITS = ("train", "eval")
CLASS_NAMES = {"shape": SHAPES, "color": tuple(COLORS), "position": POSITIONS}


def scene_seed(split: str, stream: str, seed: int, index: int) -> int:
    """The 64-bit seed of scene `index` of a (split, stream, seed) sequence."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    key = f"mmkit|{split}|{stream}|{seed}|{index}".encode()
    return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big")


def _rng(split: str, stream: str, seed: int, index: int) -> random.Random:
    return random.Random(scene_seed(split, stream, seed, index))


def pad_right(rows: Sequence[Sequence[int]], pad_id: int) -> torch.Tensor:
    """Stack id lists into a `(B, T)` long tensor, T the longest row, padded on the right."""
    width = max((len(r) for r in rows), default=0)
    out = torch.full((len(rows), width), pad_id, dtype=torch.long)  # (B, T)
    for i, row in enumerate(rows):
        out[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return out


def _check_batching(batch_size: int, split: str) -> None:
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def _check_categories(categories: Sequence[str] | None) -> tuple[str, ...]:
    if categories is None:
        return CATEGORIES
    if isinstance(categories, str):
        categories = (categories,)
    unknown = [c for c in categories if c not in CATEGORIES]
    if unknown or not categories:
        raise ValueError(f"categories must be a non-empty subset of {CATEGORIES}, got {categories!r}")
    return tuple(categories)


# ---------------------------------------------------------------------------- captions


def caption_batch(indices: Sequence[int], seed: int, split: str = "train") -> dict:
    """The caption examples with these indices, as one batch (see `caption_batches`)."""
    tok = get_tokenizer()
    images, rows, captions = [], [], []
    for index in indices:
        rng = _rng(split, "caption", seed, index)
        scene = sample_scene(rng)
        text = caption(scene, rng)
        images.append(render(scene))
        rows.append([tok.bos_id] + tok.encode(text) + [tok.eos_id])
        captions.append(text)
    return {
        "images": torch.stack(images),  # (B, 3, H, W)
        "input_ids": pad_right(rows, tok.pad_id),  # (B, T)
        "captions": captions,
    }


def caption_batches(batch_size: int, seed: int = 0, *, split: str = "train") -> Iterator[dict]:
    """Endless iterator of (image, caption) batches, the same sequence for the same seed.

    Yields dicts:
        images: (B, 3, H, W) float32 in [0, 1].
        input_ids: (B, T) long, each row `[bos] + encode(caption) + [eos]`, right-padded.
        captions: list of B strings.
    """
    _check_batching(batch_size, split)
    return (
        caption_batch(range(step * batch_size, (step + 1) * batch_size), seed, split)
        for step in itertools.count()
    )


# ---------------------------------------------------------------------------- questions


def sample_question(rng: random.Random, category: str, **controls) -> tuple[torch.Tensor, str, str]:
    """One (image (3, H, W), question, answer) of `category`, drawn from `rng`.

    `controls` (`num_objects`, `size`, `glyph_size`) go to `sample_scene`, which uses
    those that apply to the category's kind of scene.
    """
    scene = sample_scene(rng, CATEGORY_KIND[category], **controls)
    question, answer = question_answer(scene, category)
    return render(scene), question, answer


def _qa_dict(examples: list[tuple[str, torch.Tensor, str, str]]) -> dict:
    tok = get_tokenizer()
    categories, images, questions, answers = (list(x) for x in zip(*examples))
    return {
        "images": torch.stack(images),  # (B, 3, H, W)
        "question_ids": pad_right([tok.encode(q) for q in questions], tok.pad_id),  # (B, Tq)
        "answer_ids": pad_right([tok.encode(a) + [tok.eos_id] for a in answers], tok.pad_id),  # (B, Ta)
        "category": categories,
        "questions": questions,
        "answers": answers,
    }


def qa_batches(
    batch_size: int, seed: int = 0, categories: Sequence[str] | None = None
) -> Iterator[dict]:
    """Endless iterator of training question/answer batches, categories mixed at random.

    Args:
        categories: a subset of CATEGORIES; None means all five.
    Yields dicts:
        images: (B, 3, H, W) float32.
        question_ids: (B, Tq) long, `encode(question)`, right-padded with pad_id.
        answer_ids: (B, Ta) long, `encode(answer) + [eos]`, right-padded with pad_id.
        category, questions, answers: lists of B strings.
    """
    _check_batching(batch_size, "train")
    cats = _check_categories(categories)
    return (qa_batch(range(step * batch_size, (step + 1) * batch_size), seed, cats)
            for step in itertools.count())


def qa_batch(indices: Sequence[int], seed: int, categories: Sequence[str]) -> dict:
    """The training questions with these indices, as one batch (see `qa_batches`)."""
    examples = []
    for index in indices:
        rng = _rng("train", "qa", seed, index)
        category = rng.choice(categories)
        examples.append((category, *sample_question(rng, category)))
    return _qa_dict(examples)


def qa_eval_set(
    n: int,
    seed: int = 0,
    categories: Sequence[str] | None = None,
    *,
    num_objects: int | None = None,
    size: str | float | None = None,
    glyph_size: int | None = None,
) -> dict:
    """n held-out questions (scenes never seen in training), as one dict like a qa batch.

    Categories take turns (row i has category `categories[i % len(categories)]`), so
    every category gets n / len(categories) questions.

    The keyword controls fix the fine detail of the scenes, for probes such as "counting
    gets worse as objects multiply or shrink" (None keeps the usual draw; see
    `sample_scene`): `num_objects` (1..9) for count scenes, `size` ("big", "small" or
    px) for the objects of colour/shape/position and count scenes, `glyph_size` (px) for
    small-text scenes. Each applies only to the scenes it describes. Raises ValueError
    when a control is out of range, or when `num_objects` objects of that `size` cannot
    be placed apart (keep `size` at about 5 px or less for six objects).
    """
    cats = _check_categories(categories)
    controls = {k: v for k, v in (("num_objects", num_objects), ("size", size),
                                  ("glyph_size", glyph_size)) if v is not None}
    examples = []
    for index in range(n):
        category = cats[index % len(cats)]
        rng = _rng("eval", "qa", seed, index)
        examples.append((category, *sample_question(rng, category, **controls)))
    return _qa_dict(examples)


# ---------------------------------------------------------------------------- classification


def classification_set(
    n: int, seed: int = 0, attribute: str = "shape", *, size: str | float | None = None
) -> dict:
    """n held-out single-object images labelled by one attribute, for zero-shot probes.

    Args:
        attribute: "shape", "color" or "position".
        size: object size ("big" by default, "small", or px); other attributes are random.
    Returns dict:
        images: (n, 3, H, W) float32.
        labels: (n,) long, index into class_names; classes take turns (balanced).
        class_names: list of C strings, e.g. ["circle", "square", "triangle", "cross"].
    """
    if attribute not in CLASS_NAMES:
        raise ValueError(f"attribute must be one of {tuple(CLASS_NAMES)}, got {attribute!r}")
    names = list(CLASS_NAMES[attribute])
    images, labels = [], []
    for index in range(n):
        label = index % len(names)
        rng = _rng("eval", f"classify-{attribute}", seed, index)
        scene = sample_scene(rng, "object", size=size, **{attribute: names[label]})
        images.append(render(scene))
        labels.append(label)
    empty = torch.empty(0, 3, IMAGE_SIZE, IMAGE_SIZE)
    return {
        "images": torch.stack(images) if images else empty,  # (n, 3, H, W)
        "labels": torch.tensor(labels, dtype=torch.long),  # (n,)
        "class_names": names,
    }
