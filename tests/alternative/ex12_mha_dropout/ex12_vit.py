"""Alternative correct ViT: nn.MultiheadAttention in its default (L, B, D) layout, used
correctly by transposing; tanh GELU; bias-free projections; dropout modules; uniform
position init (std about 0.012); final LayerNorm with eps 1e-6."""
import torch
import torch.nn as nn


class PreNormBlock(nn.Module):
    def __init__(self, dim, heads, hidden, p=0.1):
        super().__init__()
        self.ln_a = nn.LayerNorm(dim, eps=1e-6)
        self.mha = nn.MultiheadAttention(dim, heads, dropout=p, bias=False)
        self.ln_b = nn.LayerNorm(dim, eps=1e-6)
        self.ff = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(approximate="tanh"),
                                nn.Dropout(p), nn.Linear(hidden, dim), nn.Dropout(p))
        self.drop = nn.Dropout(p)

    def forward(self, x):  # x: (B, L, D)
        h = self.ln_a(x).transpose(0, 1)  # (L, B, D), what batch_first=False expects
        attn, _ = self.mha(h, h, h, need_weights=False)
        x = x + self.drop(attn.transpose(0, 1))
        return x + self.ff(self.ln_b(x))


class ViTEncoder(nn.Module):
    def __init__(self, image_size=32, patch_size=4, in_channels=3, dim=64, depth=2,
                 num_heads=4, mlp_ratio=4.0):
        super().__init__()
        self.embed = nn.Conv2d(in_channels, dim, patch_size, stride=patch_size, bias=False)
        grid = image_size // patch_size
        self.cls_token = nn.Parameter((torch.rand(1, 1, dim) - 0.5) * 0.04)
        self.pos_embed = nn.Parameter((torch.rand(1, 1 + grid * grid, dim) - 0.5) * 0.04)
        self.layers = nn.Sequential(*[PreNormBlock(dim, num_heads, int(dim * mlp_ratio))
                                      for _ in range(depth)])
        self.ln_out = nn.LayerNorm(dim, eps=1e-6)
        self.emb_drop = nn.Dropout(0.1)

    def forward(self, images):
        x = self.embed(images)                       # (B, D, h, w)
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.cls_token.repeat(x.shape[0], 1, 1)
        x = self.emb_drop(torch.cat((cls, x), 1) + self.pos_embed)
        return self.ln_out(self.layers(x))
