# catches: ex18.batch
# Lets every query attend to the tokens of the whole batch (flattened to one sequence):
# the samples leak into each other.
"""Exercise 18: a resampler."""
import torch
from torch import nn


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_queries, dim))
        self.attn = nn.ModuleList(
            nn.MultiheadAttention(dim, num_heads, batch_first=True) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        B, N, D = tokens.shape
        memory = tokens.reshape(1, B * N, D).expand(B, -1, -1)    # every sample's tokens
        latents = self.queries.expand(B, -1, -1)
        for attn in self.attn:
            latents = latents + attn(latents, memory, memory)[0]
        return self.norm(latents)
