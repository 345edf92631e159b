# catches: ex18.any_n ex18.content
# Hand-written cross-attention whose softmax runs over the queries (dim=-2) instead of
# the tokens: each token's weights sum to 1 over the K queries, so the "average" becomes
# a sum that grows with N, and a single query reads every token with weight 1.
"""Exercise 18: a resampler."""
import torch
from torch import nn


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1):
        super().__init__()
        self.heads = num_heads
        self.queries = nn.Parameter(torch.randn(num_queries, dim))
        self.layers = nn.ModuleList(
            nn.ModuleDict({"q": nn.Linear(dim, dim), "k": nn.Linear(dim, dim),
                           "v": nn.Linear(dim, dim), "o": nn.Linear(dim, dim),
                           "ln": nn.LayerNorm(dim)})
            for _ in range(depth))

    def forward(self, tokens):
        B, N, D = tokens.shape
        H, C = self.heads, D // self.heads
        lat = self.queries.expand(B, -1, -1)
        for layer in self.layers:
            x = layer["ln"](tokens)
            q = layer["q"](lat).view(B, -1, H, C).transpose(1, 2)     # (B, H, K, C)
            k = layer["k"](x).view(B, N, H, C).transpose(1, 2)        # (B, H, N, C)
            v = layer["v"](x).view(B, N, H, C).transpose(1, 2)        # (B, H, N, C)
            att = (q @ k.transpose(-2, -1) / C ** 0.5).softmax(dim=-2)  # (B, H, K, N)
            out = (att @ v).transpose(1, 2).reshape(B, -1, D)
            lat = lat + layer["o"](out)
        return lat
