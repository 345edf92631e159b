"""Alternative correct ViT, all by hand: patches listed column-major (token c*h + r),
separate bias-free q/k/v, einsum attention with an explicit softmax, a hand-written
LayerNorm, F.dropout gated by self.training, and position rows added to CLS and to
the patches separately before concatenating."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Norm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.g, self.b, self.eps = nn.Parameter(torch.ones(d)), nn.Parameter(torch.zeros(d)), eps

    def forward(self, x):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + self.eps) * self.g + self.b


class Layer(nn.Module):
    def __init__(self, d, heads, hidden, p):
        super().__init__()
        self.h, self.p = heads, p
        self.n1, self.n2 = Norm(d), Norm(d)
        self.q, self.k, self.v = (nn.Linear(d, d, bias=False) for _ in range(3))
        self.o = nn.Linear(d, d)
        self.up, self.down = nn.Linear(d, hidden), nn.Linear(hidden, d)

    def attend(self, x):
        b, n, d = x.shape
        q, k, v = (f(x).reshape(b, n, self.h, d // self.h) for f in (self.q, self.k, self.v))
        w = torch.einsum("bihe,bjhe->bhij", q, k) / math.sqrt(d // self.h)
        w = F.dropout(w.softmax(dim=-1), self.p, training=self.training)
        return self.o(torch.einsum("bhij,bjhe->bihe", w, v).reshape(b, n, d))

    def forward(self, x):
        x = x + self.attend(self.n1(x))
        return x + self.down(F.gelu(self.up(self.n2(x))))


class ViTEncoder(nn.Module):
    def __init__(self, image_size=32, patch_size=4, in_channels=3, dim=64, depth=2,
                 num_heads=4, mlp_ratio=4.0):
        super().__init__()
        self.ps, self.grid = patch_size, image_size // patch_size
        self.patch = nn.Linear(in_channels * patch_size ** 2, dim)
        self.cls_token = nn.Parameter(torch.empty(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.empty(1, self.grid ** 2 + 1, dim))
        for t in (self.cls_token, self.pos_embed):
            nn.init.trunc_normal_(t, std=0.02, a=-0.04, b=0.04)
        self.layers = nn.ModuleList(Layer(dim, num_heads, int(dim * mlp_ratio), 0.1)
                                    for _ in range(depth))
        self.final = Norm(dim)

    def forward(self, images):
        b, c, _, _ = images.shape
        g, p = self.grid, self.ps
        x = images.reshape(b, c, g, p, g, p).permute(0, 4, 2, 1, 3, 5)  # (b, col, row, c, p, p)
        x = self.patch(x.reshape(b, g * g, c * p * p))
        cls = self.cls_token + self.pos_embed[:, :1]
        x = torch.cat([cls.expand(b, -1, -1), x + self.pos_embed[:, 1:]], dim=1)
        x = F.dropout(x, 0.1, training=self.training)
        for layer in self.layers:
            x = layer(x)
        return self.final(x)
