# catches: ex18.linear_cost
# Self-attention over the N input tokens before the queries read them: permutation
# invariant and right-shaped, but it builds an N x N attention matrix (quadratic cost).
"""Exercise 18: a resampler."""
import torch
from torch import nn


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_queries, dim))
        self.token_norm = nn.LayerNorm(dim)
        self.token_mixer = nn.MultiheadAttention(dim, num_heads, batch_first=True)
        self.cross = nn.ModuleList(
            nn.MultiheadAttention(dim, num_heads, batch_first=True) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        x = self.token_norm(tokens)
        mixed, _ = self.token_mixer(x, x, x)          # (B, N, D), via an (N, N) matrix
        x = x + mixed
        latents = self.queries.expand(tokens.shape[0], -1, -1)
        for attn in self.cross:
            latents = latents + attn(latents, x, x)[0]
        return self.norm(latents)
