# catches: ex18.any_n ex18.permutation ex18.linear_cost
# Adds a learned position embedding (a fixed maximum of 2048 positions) to the input
# tokens before cross-attention: token order matters and N is capped.
"""Exercise 18: a resampler."""
import torch
from torch import nn


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1, max_tokens=2048):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_queries, dim))
        self.pos = nn.Parameter(torch.randn(max_tokens, dim) * 0.5)
        self.attn = nn.ModuleList(
            nn.MultiheadAttention(dim, num_heads, batch_first=True) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        x = tokens + self.pos[: tokens.shape[1]]
        latents = self.queries.expand(tokens.shape[0], -1, -1)
        for attn in self.attn:
            latents = latents + attn(latents, x, x)[0]
        return self.norm(latents)
