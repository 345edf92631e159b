"""TinyLM: a small causal transformer language model over the shapes world's vocabulary.

Letters: B batch, T text tokens, L sequence length (image tokens + text tokens), D width,
V vocabulary.

    lm = TinyLM(LMConfig())
    lm.embed(input_ids)        # (B, T, D)  token embeddings only, no positions
    lm.forward_embeds(embeds)  # (B, L, V)  adds positions, causal blocks, final norm, head
    lm(input_ids)              # (B, T, V)  = forward_embeds(embed(input_ids))

Positions are added inside `forward_embeds`, so a VLM that puts image tokens before the
text embeddings gives every slot its position. Logits at position t depend only on
`embeds[:, :t+1]`; right padding never changes the logits of the tokens before it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .tokenizer import get_tokenizer


@dataclass
class LMConfig:
    vocab_size: int = get_tokenizer().vocab_size  # V, logits per position
    max_len: int = 128  # most positions: 64 image tokens + question + answer fit with room
    dim: int = 64  # D, width of the residual stream and of the token embeddings (`.dim`)
    depth: int = 2  # transformer blocks
    num_heads: int = 4  # attention heads; dim must be divisible by it
    mlp_ratio: float = 4.0  # MLP hidden width = mlp_ratio * dim
    tie_weights: bool = False  # True: the LM head reuses the token-embedding matrix


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends to positions 0..t only."""

    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f"dim ({dim}) must be divisible by num_heads ({num_heads}).")
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        B, L, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)  # 3 x (B, L, D)
        q, k, v = (t.view(B, L, self.num_heads, -1).transpose(1, 2) for t in (q, k, v))  # (B, nh, L, hs)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, nh, L, hs)
        return self.proj(y.transpose(1, 2).reshape(B, L, D))  # (B, L, D)


class Block(nn.Module):
    """Pre-norm causal transformer block: x + attn(ln(x)), then x + mlp(ln(x))."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float):
        super().__init__()
        hidden = int(dim * mlp_ratio)
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = CausalSelfAttention(dim, num_heads)
        self.ln_2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))  # (B, L, D)
        return x + self.mlp(self.ln_2(x))  # (B, L, D)


class TinyLM(nn.Module):
    """Decoder-only LM: token embedding, learned positions, causal pre-norm blocks, LayerNorm, head.

    Attributes:
        config: the LMConfig it was built from.
        dim: D, the width of `embed`'s output and of `forward_embeds`' input.
        vocab_size: V.
        max_len: the most positions `forward_embeds` takes.
    """

    def __init__(self, config: LMConfig | None = None):
        super().__init__()
        self.config = c = config or LMConfig()
        self.dim, self.vocab_size, self.max_len = c.dim, c.vocab_size, c.max_len
        self.tok_embed = nn.Embedding(c.vocab_size, c.dim)
        self.pos_embed = nn.Parameter(torch.zeros(1, c.max_len, c.dim))
        self.blocks = nn.ModuleList(Block(c.dim, c.num_heads, c.mlp_ratio) for _ in range(c.depth))
        self.ln_f = nn.LayerNorm(c.dim)
        self.lm_head = nn.Linear(c.dim, c.vocab_size, bias=False)
        self.apply(self._init_weights)
        nn.init.normal_(self.pos_embed, std=0.02)
        if c.tie_weights:
            self.lm_head.weight = self.tok_embed.weight

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        """GPT-2 style: N(0, 0.02) weights, zero biases."""
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def embed(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) long -> (B, T, D), the token embeddings only (no positions)."""
        if input_ids.is_floating_point():
            raise TypeError(f"input_ids must be an integer (long) tensor, got {input_ids.dtype}")
        return self.tok_embed(input_ids)  # (B, T, D)

    def forward_embeds(self, embeds: torch.Tensor) -> torch.Tensor:
        """embeds (B, L, D) -> logits (B, L, V); position t sees embeds[:, :t+1] only.

        Raises:
            ValueError: embeds is not (B, L, D) with D = `dim`, or L > `max_len`.
        """
        if embeds.dim() != 3 or embeds.shape[-1] != self.dim:
            raise ValueError(f"embeds must be (B, L, {self.dim}), got shape {tuple(embeds.shape)}")
        L = embeds.shape[1]
        if L > self.max_len:
            raise ValueError(f"Sequence length ({L}) exceeds the LM's max_len ({self.max_len}).")
        x = embeds + self.pos_embed[:, :L]  # (B, L, D)
        for block in self.blocks:
            x = block(x)  # (B, L, D)
        return self.lm_head(self.ln_f(x))  # (B, L, V)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        """input_ids (B, T) long -> logits (B, T, V), the logits at t predicting token t+1."""
        return self.forward_embeds(self.embed(input_ids))  # (B, T, V)
