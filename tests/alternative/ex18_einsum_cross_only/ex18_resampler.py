"""Exercise 18, written differently: hand-written multi-head cross-attention with einsum;
the keys are the input tokens only (the latents do not sit among the keys); small-std
query init; no final norm."""
import torch
from torch import nn


class CrossAttentionBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.ln_q = nn.LayerNorm(dim)
        self.ln_kv = nn.LayerNorm(dim)
        self.wq = nn.Linear(dim, dim, bias=False)
        self.wk = nn.Linear(dim, dim, bias=False)
        self.wv = nn.Linear(dim, dim, bias=False)
        self.wo = nn.Linear(dim, dim)
        self.mlp = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, 2 * dim), nn.GELU(),
                                 nn.Linear(2 * dim, dim))

    def forward(self, lat, x):
        b, k, d = lat.shape
        h = self.heads
        q = self.wq(self.ln_q(lat)).view(b, k, h, d // h)
        xn = self.ln_kv(x)
        key = self.wk(xn).view(b, -1, h, d // h)
        val = self.wv(xn).view(b, -1, h, d // h)
        scores = torch.einsum("bkhc,bnhc->bhkn", q, key) / (d // h) ** 0.5
        weights = scores.softmax(dim=-1)                     # over the N tokens
        out = torch.einsum("bhkn,bnhc->bkhc", weights, val).reshape(b, k, d)
        lat = lat + self.wo(out)
        return lat + self.mlp(lat)


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1):
        super().__init__()
        self.queries = nn.Parameter(torch.empty(num_queries, dim).normal_(std=0.02))
        self.blocks = nn.ModuleList([CrossAttentionBlock(dim, num_heads) for _ in range(depth)])

    def forward(self, tokens):
        lat = self.queries.unsqueeze(0).repeat(tokens.shape[0], 1, 1)
        for blk in self.blocks:
            lat = blk(lat, tokens)
        return lat
