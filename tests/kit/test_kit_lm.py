"""TinyLM: the contract's shapes, strict causality, embed without positions, and the shipped weights."""

import math
import shutil

import pytest
import torch
import torch.nn.functional as F

import mmkit
from mmkit import LMConfig, TinyLM, WeightsIntegrityError, load_lm
from mmkit.data import pad_right
from mmkit.train_lm import caption_text, lm_loss
from mmkit.weights import DEFAULT_LM_WEIGHTS, MANIFEST_NAME, manifest_entry, sha256_of


@pytest.fixture(scope="module")
def lm():
    return load_lm()


@pytest.fixture(scope="module")
def held_out_captions():
    """(64, T) ids, `[bos] caption [eos]` rows of eval-split (never trained on) captions."""
    tok = mmkit.get_tokenizer()
    rows = [[tok.bos_id] + tok.encode(caption_text("eval", 7, i)) + [tok.eos_id] for i in range(64)]
    return pad_right(rows, tok.pad_id)


def fresh(seed=0):
    torch.manual_seed(seed)
    return TinyLM(LMConfig()).eval()


def test_shapes_and_attributes():
    model = fresh()
    tok = mmkit.get_tokenizer()
    assert model.dim == 64 and model.vocab_size == tok.vocab_size and model.max_len >= 64 + 32
    assert isinstance(model.config, LMConfig)
    ids = torch.randint(0, tok.vocab_size, (3, 7))
    assert model.embed(ids).shape == (3, 7, model.dim)
    assert model(ids).shape == (3, 7, model.vocab_size)
    embeds = torch.randn(2, 64 + 9, model.dim)
    assert model.forward_embeds(embeds).shape == (2, 64 + 9, model.vocab_size)


def test_embed_is_the_token_embedding_only_positions_come_later():
    model = fresh()
    ids = torch.randint(0, model.vocab_size, (2, 6))
    with torch.no_grad():
        embeds = model.embed(ids)  # (2, 6, D)
        # The same token gives the same embedding wherever it stands.
        same = model.embed(torch.full((1, 5), 9))
        assert torch.equal(same[0, 0], same[0, 4])
        assert torch.equal(embeds, model.embed(ids.flip(1)).flip(1))
        assert torch.allclose(model.forward_embeds(embeds), model(ids), atol=1e-6)
        # Position matters inside forward_embeds: a token's logits change when it moves.
        logits = model.forward_embeds(same)  # (1, 5, V)
        assert not torch.allclose(logits[0, 0], logits[0, 4], atol=1e-4)


@pytest.mark.parametrize("t", [0, 5, 40, 95])
def test_strictly_causal(t):
    model = fresh(1)
    torch.manual_seed(2)
    embeds = torch.randn(2, 96, model.dim)
    bumped = embeds.clone()
    bumped[:, t] += torch.randn(2, model.dim)
    with torch.no_grad():
        before, after = model.forward_embeds(embeds), model.forward_embeds(bumped)  # (2, 96, V)
    assert torch.allclose(before[:, :t], after[:, :t], atol=1e-6), "logits before t moved"
    changed = (before[:, t:] - after[:, t:]).abs().amax(dim=-1)  # (2, 96 - t)
    assert (changed > 1e-6).all(), "logits at or after t did not move"


def test_gradients_reach_only_earlier_positions():
    model = fresh()
    embeds = torch.randn(1, 12, model.dim, requires_grad=True)
    model.forward_embeds(embeds)[0, 6].sum().backward()
    norms = embeds.grad[0].norm(dim=-1)  # (12,)
    assert (norms[:7] > 0).all() and (norms[7:] == 0).all()


def test_too_long_inputs_raise_naming_both_lengths():
    model = fresh()
    n = model.max_len + 1
    with pytest.raises(ValueError, match=rf"{n}.*{model.max_len}"):
        model.forward_embeds(torch.zeros(1, n, model.dim))
    with pytest.raises(ValueError, match=rf"{n}.*{model.max_len}"):
        model(torch.zeros(1, n, dtype=torch.long))
    model.forward_embeds(torch.zeros(1, model.max_len, model.dim))  # exactly max_len is fine


def test_wrong_width_is_named():
    with pytest.raises(ValueError, match="64"):
        fresh().forward_embeds(torch.zeros(1, 3, 32))


def test_tied_head_option():
    torch.manual_seed(0)
    model = TinyLM(LMConfig(tie_weights=True))
    assert model.lm_head.weight is model.tok_embed.weight
    assert model(torch.tensor([[1, 5, 6]])).shape == (1, 3, model.vocab_size)


def test_load_lm_returns_fresh_trainable_models_in_eval_mode():
    a, b = load_lm(), load_lm()
    assert isinstance(a, TinyLM) and not a.training
    assert all(p.requires_grad for p in a.parameters())
    assert a.config == LMConfig(**manifest_entry("tiny_lm", DEFAULT_LM_WEIGHTS.parent / MANIFEST_NAME)["config"])
    with torch.no_grad():
        next(a.parameters()).add_(1.0)
    assert not torch.equal(next(a.parameters()), next(b.parameters()))


def test_shipped_weights_are_small_and_load_clip_still_works():
    assert DEFAULT_LM_WEIGHTS.stat().st_size < 2 * 2**20
    assert isinstance(mmkit.load_clip(), mmkit.TinyCLIP)


def test_corrupt_weights_raise_naming_both_hashes(tmp_path):
    weights = tmp_path / DEFAULT_LM_WEIGHTS.name
    shutil.copy(DEFAULT_LM_WEIGHTS, weights)
    shutil.copy(DEFAULT_LM_WEIGHTS.parent / MANIFEST_NAME, tmp_path / MANIFEST_NAME)
    load_lm(weights)  # an intact copy loads
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(WeightsIntegrityError, match="sha256") as info:
        load_lm(weights)
    expected = manifest_entry("tiny_lm", tmp_path / MANIFEST_NAME)["sha256"]
    assert expected in str(info.value) and sha256_of(weights) in str(info.value)


def test_missing_weights_raise(tmp_path):
    shutil.copy(DEFAULT_LM_WEIGHTS.parent / MANIFEST_NAME, tmp_path / MANIFEST_NAME)
    with pytest.raises(WeightsIntegrityError, match="not found"):
        load_lm(tmp_path / DEFAULT_LM_WEIGHTS.name)


def test_pretrained_lm_predicts_held_out_captions(lm, held_out_captions):
    pad = mmkit.get_tokenizer().pad_id
    with torch.no_grad():
        trained = lm_loss(lm, held_out_captions, ignore_id=pad).item()
        untrained = lm_loss(fresh(), held_out_captions, ignore_id=pad).item()
    assert trained < math.log(lm.vocab_size) / 2, trained
    assert trained < untrained - 2.0, (trained, untrained)


def test_pretrained_lm_reads_text_placed_after_64_other_tokens(lm, held_out_captions):
    """A VLM puts its text after 64 image tokens: positions there must be trained too."""
    pad = mmkit.get_tokenizer().pad_id
    torch.manual_seed(0)
    with torch.no_grad():
        scale = lm.embed(torch.arange(lm.vocab_size)[None]).std()  # like token embeddings
        prefix = torch.randn(held_out_captions.shape[0], 64, lm.dim) * scale  # stand-in image tokens
        embeds = torch.cat([prefix, lm.embed(held_out_captions)], dim=1)  # (B, 64 + T, D)
        logits = lm.forward_embeds(embeds)[:, 64:-1]  # (B, T - 1, V) predicting captions[:, 1:]
    targets = held_out_captions[:, 1:].masked_fill(held_out_captions[:, 1:] == pad, -100)
    loss = F.cross_entropy(logits.transpose(1, 2), targets, ignore_index=-100).item()
    assert loss < math.log(lm.vocab_size) / 2, loss


def test_pretrained_lm_completes_a_question_with_an_answer_word(lm):
    tok = mmkit.get_tokenizer()
    ids = torch.tensor([[tok.bos_id] + tok.encode("what color is the shape?")])
    with torch.no_grad():
        next_id = lm(ids)[0, -1].argmax().item()
    assert tok.vocab[next_id] in {"red", "green", "blue", "yellow", "purple", "cyan"}
