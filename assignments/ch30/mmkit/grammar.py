"""What the shapes world says about a scene: captions, and questions with one-word answers.

Every sentence is built from the fixed word list `WORDS`, so the tokenizer never meets
an unknown word inside the world. Question categories, and the kind of scene each needs:

=============  ===========  ==================================  ===========
category       scene kind   question                            answer
=============  ===========  ==================================  ===========
``color``      object       what color is the shape?            red
``shape``      object       what shape is it?                   circle
``position``   object       where is the red circle?            left
``count``      many         how many squares are there?         four
``small_text`` text         what letter is written?             k
=============  ===========  ==================================  ===========
"""

from __future__ import annotations

import random

from .world import COLORS, LETTERS, NUMBERS, PLURALS, POSITIONS, SHAPES, Scene, size_word

CATEGORIES = ("color", "shape", "position", "count", "small_text")
CATEGORY_KIND = {
    "color": "object",
    "shape": "object",
    "position": "object",
    "count": "many",
    "small_text": "text",
}
WHERE = {
    "left": "on the left",
    "right": "on the right",
    "top": "at the top",
    "bottom": "at the bottom",
    "center": "in the center",
}

# Captions per scene kind; the first of each list is the full description.
OBJECT_CAPTIONS = (
    "a {size} {color} {shape} {where}.",
    "a {color} {shape} {where}.",
    "a {shape} {where}.",
    "a {size} {color} {shape}.",
    "a {color} {shape}.",
    "a photo of a {color} {shape}.",
    "a photo of a {shape}.",
    "a photo of a {color} shape.",
    "a {color} shape.",
)
MANY_CAPTIONS = (
    "{number} {size} {color} {shapes}.",
    "{number} {color} {shapes}.",
    "{number} {shapes}.",
    "a photo of {number} {color} {shapes}.",
    "a photo of {number} {shapes}.",
)
TEXT_CAPTIONS = (
    "a {size} letter {letter}.",
    "the letter {letter}.",
    "a photo of the letter {letter}.",
)
QUESTIONS = {
    "color": "what color is the shape?",
    "shape": "what shape is it?",
    "position": "where is the {color} {shape}?",
    "count": "how many {shapes} are there?",
    "small_text": "what letter is written?",
}

_FUNCTION_WORDS = (
    "a", "photo", "of", "the", "on", "at", "in", "letter", "shape",
    "what", "color", "is", "it", "where", "how", "many", "are", "there", "written",
)  # fmt: skip
_SIZE_WORDS = ("big", "small")
# Every word a caption, question or answer can contain, in a fixed order.
WORDS: tuple[str, ...] = tuple(dict.fromkeys(
    _FUNCTION_WORDS + _SIZE_WORDS + tuple(COLORS) + SHAPES + tuple(PLURALS.values())
    + POSITIONS + NUMBERS + LETTERS
))  # fmt: skip


def _fields(scene: Scene) -> dict[str, str]:
    """The words that describe a scene, by template field."""
    if scene.kind == "text":
        g = scene.glyph
        return {"letter": g.letter, "size": size_word(g.size)}
    obj = scene.objects[0]
    n = len(scene.objects)
    return {
        "color": obj.color,
        "shape": obj.shape,
        "shapes": obj.shape if n == 1 else PLURALS[obj.shape],
        "size": size_word(obj.size),
        "where": WHERE.get(obj.position, ""),
        "number": NUMBERS[n - 1],
    }


def caption(scene: Scene, rng: random.Random | None = None) -> str:
    """A caption of the scene: the full one, or with `rng` a randomly chosen template."""
    templates = {"object": OBJECT_CAPTIONS, "many": MANY_CAPTIONS, "text": TEXT_CAPTIONS}
    options = templates[scene.kind]
    template = options[0] if rng is None else rng.choice(options)
    return template.format(**_fields(scene))


def question_answer(scene: Scene, category: str) -> tuple[str, str]:
    """The question of `category` about `scene`, and its one-word answer."""
    if category not in CATEGORY_KIND:
        raise ValueError(f"category must be one of {CATEGORIES}, got {category!r}")
    if scene.kind != CATEGORY_KIND[category]:
        raise ValueError(
            f"a {category!r} question needs a {CATEGORY_KIND[category]!r} scene, "
            f"got a {scene.kind!r} scene"
        )
    fields = _fields(scene)
    answers = {
        "color": fields.get("color"),
        "shape": fields.get("shape"),
        "position": scene.objects[0].position if scene.objects else None,
        "count": fields.get("number"),
        "small_text": fields.get("letter"),
    }
    return QUESTIONS[category].format(**fields), answers[category]
