# catches: ex18.queries ex18.gradients
# The queries are a registered buffer, not an nn.Parameter: the model works but the
# queries are never trained.
"""Exercise 18: a resampler."""
import torch
from torch import nn


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1):
        super().__init__()
        self.register_buffer("queries", torch.randn(num_queries, dim))
        self.attn = nn.ModuleList(
            nn.MultiheadAttention(dim, num_heads, batch_first=True) for _ in range(depth))
        self.ff = nn.ModuleList(
            nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 4 * dim), nn.GELU(),
                          nn.Linear(4 * dim, dim)) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        latents = self.queries.expand(tokens.shape[0], -1, -1)
        for attn, ff in zip(self.attn, self.ff):
            latents = latents + attn(latents, tokens, tokens)[0]
            latents = latents + ff(latents)
        return self.norm(latents)
