"""The shapes world: deterministic scenes, the controls do what they say, a closed vocabulary."""

import random

import pytest
import torch

from mmkit.grammar import CATEGORIES, CATEGORY_KIND, caption, question_answer
from mmkit.tokenizer import get_tokenizer
from mmkit.world import IMAGE_SIZE, LETTERS, PATCH_SIZE, SCENE_KINDS, render, sample_scene


@pytest.mark.parametrize("kind", SCENE_KINDS)
def test_render_is_a_float_image_in_unit_range(kind):
    image = render(sample_scene(random.Random(0), kind))
    assert image.shape == (3, IMAGE_SIZE, IMAGE_SIZE)
    assert image.dtype == torch.float32
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert image.max() > 0.5  # something bright was drawn on the dark background


def test_same_seed_same_scene_and_image():
    a, b = sample_scene(random.Random(7)), sample_scene(random.Random(7))
    assert a == b
    assert torch.equal(render(a), render(b))


def test_different_seeds_different_images():
    images = [render(sample_scene(random.Random(s))) for s in range(50)]
    assert len({img.numpy().tobytes() for img in images}) == 50


def test_object_controls():
    scene = sample_scene(random.Random(1), "object", shape="cross", color="blue", position="left")
    (obj,) = scene.objects
    assert (obj.shape, obj.color, obj.position) == ("cross", "blue", "left")
    assert 12 <= obj.size <= 16 and obj.x < IMAGE_SIZE / 2
    small = sample_scene(random.Random(1), "object", size="small").objects[0]
    assert small.size < PATCH_SIZE + 0.01


@pytest.mark.parametrize("n", [1, 4, 6, 9])
def test_many_scene_has_the_requested_count_of_small_objects(n):
    scene = sample_scene(random.Random(n), "many", num_objects=n)
    assert len(scene.objects) == n
    assert all(o.size <= PATCH_SIZE for o in scene.objects)


@pytest.mark.parametrize("glyph_size", [2, 3, 8, 12])
def test_glyph_size_control(glyph_size):
    scene = sample_scene(random.Random(3), "text", glyph_size=glyph_size, letter="k")
    assert scene.glyph.size == glyph_size and scene.glyph.letter == "k"
    image = render(scene)
    lit = (image[0] > scene.background + 0.1).nonzero()
    assert lit[:, 0].max() - lit[:, 0].min() < glyph_size  # ink stays inside its box


def test_bad_controls_raise():
    with pytest.raises(ValueError, match="shape"):
        sample_scene(random.Random(0), "object", shape="hexagon")
    with pytest.raises(ValueError, match="num_objects"):
        sample_scene(random.Random(0), "many", num_objects=0)
    with pytest.raises(ValueError, match="kind"):
        sample_scene(random.Random(0), "video")


def test_every_sentence_uses_known_words_only():
    tok = get_tokenizer()
    rng = random.Random(0)
    for _ in range(300):
        scene = sample_scene(rng)
        assert tok.unk_id not in tok.encode(caption(scene, rng))
    for category in CATEGORIES:
        for _ in range(40):
            scene = sample_scene(rng, CATEGORY_KIND[category])
            question, answer = question_answer(scene, category)
            assert tok.unk_id not in tok.encode(question)
            assert len(tok.encode(answer)) == 1  # answers are single words


def test_answers_match_the_scene():
    scene = sample_scene(random.Random(0), "object", shape="circle", color="red", position="top")
    assert question_answer(scene, "color") == ("what color is the shape?", "red")
    assert question_answer(scene, "shape") == ("what shape is it?", "circle")
    assert question_answer(scene, "position") == ("where is the red circle?", "top")
    many = sample_scene(random.Random(0), "many", shape="square", num_objects=4)
    assert question_answer(many, "count") == ("how many squares are there?", "four")
    text = sample_scene(random.Random(0), "text", letter="k")
    assert question_answer(text, "small_text") == ("what letter is written?", "k")
    assert "k" in LETTERS
    with pytest.raises(ValueError, match="scene"):
        question_answer(text, "color")


def test_full_caption():
    scene = sample_scene(random.Random(0), "object", shape="circle", color="red", position="left")
    assert caption(scene) == "a big red circle on the left."
    many = sample_scene(random.Random(0), "many", shape="square", color="blue", num_objects=3)
    assert caption(many) == "three small blue squares."
