"""Exercise 18, written differently: BLIP-2 Q-Former style, post-norm (BERT): per layer
self-attention among the queries, cross-attention to the tokens, a feed-forward, each
followed by residual + LayerNorm."""
import torch
import torch.nn.functional as F
from torch import nn


class QFormerLayer(nn.Module):
    def __init__(self, d, n_heads):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d, n_heads, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(d, n_heads, batch_first=True)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(d), nn.LayerNorm(d), nn.LayerNorm(d)
        self.fc1, self.fc2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, q, image_embeds):
        q = self.norm1(q + self.self_attn(q, q, q)[0])
        q = self.norm2(q + self.cross_attn(q, image_embeds, image_embeds)[0])
        return self.norm3(q + self.fc2(F.gelu(self.fc1(q), approximate="tanh")))


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1):
        super().__init__()
        self.queries = nn.Parameter(torch.zeros(num_queries, dim))
        nn.init.trunc_normal_(self.queries, std=0.02)
        self.layer = nn.ModuleList(QFormerLayer(dim, num_heads) for _ in range(depth))

    def forward(self, tokens):
        batch_size = tokens.size(0)
        q = self.queries[None].expand(batch_size, -1, -1)
        for layer in self.layer:
            q = layer(q, tokens)
        return q
