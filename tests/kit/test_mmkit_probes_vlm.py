"""The kit's VLM probes: EchoLM reads back the embeddings it was given, LinearProjector
computes the affine map it was given; both fit where TinyLM and a Projector go."""
import pytest
import torch

import mmkit
from mmkit.probes import EchoLM, LinearProjector


def test_echo_lm_returns_its_input_embeddings_then_zeros():
    table = torch.randn(10, 4)
    lm = EchoLM(table)
    assert (lm.vocab_size, lm.dim) == (10, 4)
    ids = torch.tensor([[3, 1, 7]])
    assert torch.equal(lm.embed(ids), table[ids])
    embeds = torch.randn(2, 5, 4)
    out = lm.forward_embeds(embeds)
    assert out.shape == (2, 5, 10)
    assert torch.equal(out[..., :4], embeds) and not out[..., 4:].any()
    assert torch.equal(lm(ids)[..., :4], table[ids])


def test_echo_lm_has_tinylms_interface():
    tiny = mmkit.TinyLM(mmkit.LMConfig(dim=4))
    lm = EchoLM(torch.randn(6, 4))
    for name in ("embed", "forward_embeds", "dim", "vocab_size", "max_len"):
        assert hasattr(tiny, name) and hasattr(lm, name)


def test_echo_lm_refuses_what_tinylm_refuses():
    lm = EchoLM(torch.randn(6, 4), max_len=3)
    with pytest.raises(ValueError):
        lm.forward_embeds(torch.randn(1, 2, 5))
    with pytest.raises(ValueError):
        lm.forward_embeds(torch.randn(1, 4, 4))
    with pytest.raises(TypeError):
        lm.embed(torch.zeros(1, 2))
    with pytest.raises(ValueError):
        EchoLM(torch.randn(3, 4))  # V < D cannot echo


def test_echo_lm_passes_gradients_to_its_input():
    embeds = torch.randn(1, 3, 4, requires_grad=True)
    EchoLM(torch.randn(6, 4)).forward_embeds(embeds).sum().backward()
    assert torch.equal(embeds.grad, torch.ones(1, 3, 4))


def test_linear_projector_uses_the_given_weights_token_by_token():
    w, b = torch.randn(3, 5), torch.randn(3)
    proj = LinearProjector(5, 3, weight=w, bias=b)
    x = torch.randn(2, 7, 5)
    assert torch.allclose(proj(x), x @ w.T + b, atol=1e-6)
    assert all(p.requires_grad for p in proj.parameters())
