"""Exercise 18, written differently: lucidrains-style PerceiverAttention with
F.scaled_dot_product_attention, a fused to_kv projection, keys and values cat(x, latents),
tanh GELU, dropout (off in eval), a final norm."""
import torch
import torch.nn.functional as F
from torch import nn


class PerceiverAttention(nn.Module):
    def __init__(self, *, dim, heads, dropout=0.1):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.norm_media = nn.LayerNorm(dim)
        self.norm_latents = nn.LayerNorm(dim)
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_kv = nn.Linear(dim, 2 * dim, bias=False)
        self.to_out = nn.Linear(dim, dim, bias=False)

    def forward(self, x, latents):
        b, n, d = x.shape
        h = self.heads
        x = self.norm_media(x)
        latents = self.norm_latents(latents)
        q = self.to_q(latents)
        k, v = self.to_kv(torch.cat((x, latents), dim=-2)).chunk(2, dim=-1)
        split = lambda t: t.reshape(b, t.shape[1], h, d // h).transpose(1, 2)
        q, k, v = map(split, (q, k, v))
        out = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0)
        return self.to_out(out.transpose(1, 2).reshape(b, -1, d))


class Resampler(nn.Module):
    def __init__(self, dim, num_queries=8, num_heads=4, depth=1):
        super().__init__()
        self.queries = nn.Parameter(torch.randn(num_queries, dim))
        self.layers = nn.ModuleList([])
        for _ in range(depth):
            self.layers.append(nn.ModuleList([
                PerceiverAttention(dim=dim, heads=num_heads),
                nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim * 4, bias=False),
                              nn.GELU(approximate="tanh"), nn.Linear(dim * 4, dim, bias=False)),
            ]))
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        latents = self.queries.repeat(x.shape[0], 1, 1)
        for attn, ff in self.layers:
            latents = attn(x, latents) + latents
            latents = ff(latents) + latents
        return self.norm(latents)
