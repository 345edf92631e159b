# catches: ex18.any_n ex18.permutation ex18.linear_cost
# A Linear layer over the token axis (N -> K) with inputs zero-padded to a fixed maximum
# N: right shape for small N, but token order matters and N is capped.
"""Exercise 18: a resampler."""
import torch
import torch.nn.functional as F
from torch import nn

MAX_TOKENS = 1024


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_queries, dim))
        self.pool = nn.Linear(MAX_TOKENS, num_queries)
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        B, N, D = tokens.shape
        if N > MAX_TOKENS:
            raise ValueError(f"at most {MAX_TOKENS} tokens, got {N}")
        x = F.pad(tokens, (0, 0, 0, MAX_TOKENS - N))          # (B, MAX, D)
        pooled = self.pool(x.transpose(1, 2)).transpose(1, 2)  # (B, K, D)
        return self.norm(self.queries + pooled)
