"""TinyCLIP: the shapes the contract promises, and the shipped weights load, verify and work."""

import shutil

import pytest
import torch
import torch.nn.functional as F

import mmkit
from mmkit import CLIPConfig, TinyCLIP, WeightsIntegrityError, classification_set, load_clip
from mmkit.weights import DEFAULT_WEIGHTS, MANIFEST_NAME

TEMPLATES = {"shape": "a photo of a {}.", "color": "a photo of a {} shape."}


@pytest.fixture(scope="module")
def clip():
    return load_clip()


def test_shapes_of_a_fresh_model():
    torch.manual_seed(0)
    model = TinyCLIP(CLIPConfig()).eval()
    images = torch.rand(2, 3, mmkit.IMAGE_SIZE, mmkit.IMAGE_SIZE)
    n = (mmkit.IMAGE_SIZE // mmkit.PATCH_SIZE) ** 2
    assert model.visual(images).shape == (2, 1 + n, model.visual.dim)
    assert model.encode_image(images).shape == (2, model.config.embed_dim)
    assert model.encode_text(["a red circle.", "what"]).shape == (2, model.config.embed_dim)


def test_text_features_ignore_padding():
    torch.manual_seed(0)
    model = TinyCLIP().eval()
    alone = model.encode_text(["a red circle."])
    padded = model.encode_text(["a red circle.", "a photo of a big blue square on the left."])[:1]
    assert torch.allclose(alone, padded, atol=1e-5)


def test_wrong_image_size_is_named():
    with pytest.raises(ValueError, match="doesn't match"):
        TinyCLIP().visual(torch.rand(1, 3, 28, 28))


def test_load_clip_returns_fresh_trainable_models_in_eval_mode():
    a, b = load_clip(), load_clip()
    assert not a.training and not a.visual.training
    assert all(p.requires_grad for p in a.parameters())
    with torch.no_grad():
        next(a.parameters()).add_(1.0)
    assert not torch.equal(next(a.parameters()), next(b.parameters()))


def test_shipped_weights_are_small():
    assert DEFAULT_WEIGHTS.stat().st_size < 2 * 2**20


def test_corrupt_weights_raise_naming_both_hashes(tmp_path):
    weights = tmp_path / DEFAULT_WEIGHTS.name
    shutil.copy(DEFAULT_WEIGHTS, weights)
    shutil.copy(DEFAULT_WEIGHTS.parent / MANIFEST_NAME, tmp_path / MANIFEST_NAME)
    load_clip(weights)  # an intact copy loads
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(WeightsIntegrityError, match="sha256") as info:
        load_clip(weights)
    expected = mmkit.weights.manifest_entry("tiny_clip", tmp_path / MANIFEST_NAME)["sha256"]
    assert expected in str(info.value) and mmkit.weights.sha256_of(weights) in str(info.value)


@pytest.mark.parametrize("attribute", ["shape", "color"])
def test_zero_shot_accuracy_of_shipped_weights_is_far_above_chance(clip, attribute):
    data = classification_set(64, seed=123, attribute=attribute)
    prompts = [TEMPLATES[attribute].format(c) for c in data["class_names"]]
    with torch.no_grad():
        img = F.normalize(clip.encode_image(data["images"]), dim=-1)  # (n, D)
        txt = F.normalize(clip.encode_text(prompts), dim=-1)  # (C, D)
    accuracy = ((img @ txt.T).argmax(1) == data["labels"]).float().mean().item()
    assert accuracy >= 0.8, f"{attribute}: {accuracy:.2f} (chance {1 / len(prompts):.2f})"
