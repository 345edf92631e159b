# catches: ex18.content
# Mean-pools the tokens and adds the pooled vector to every query: K outputs, order
# invariant, linear cost, gradients everywhere, but no query attends to any token.
"""Exercise 18: a resampler."""
import torch
from torch import nn


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_queries, dim))
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        pooled = self.mlp(tokens.mean(dim=1, keepdim=True))      # (B, 1, D)
        return self.norm(self.queries + pooled)                  # (B, K, D)
