# catches: ex12.attends ex12.batch_independent ex12.pos_embed_added
"""Wrong: nn.MultiheadAttention is built with its default batch_first=False but fed
(B, L, D) tensors, so it attends across the images of the batch at each token position
instead of across the tokens of one image."""
import torch
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim, num_heads, mlp_ratio):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, int(dim * mlp_ratio)), nn.GELU(),
                                 nn.Linear(int(dim * mlp_ratio), dim))

    def forward(self, x):                                   # (B, L, D)
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class ViTEncoder(nn.Module):
    def __init__(self, image_size=32, patch_size=4, in_channels=3, dim=64, depth=2,
                 num_heads=4, mlp_ratio=4.0):
        super().__init__()
        num_patches = (image_size // patch_size) ** 2
        self.patch_embed = nn.Conv2d(in_channels, dim, patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, 1 + num_patches, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, num_heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, images):
        x = self.patch_embed(images).flatten(2).transpose(1, 2)      # (B, N, D)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos_embed              # (B, 1+N, D)
        for block in self.blocks:
            x = block(x)
        return self.norm(x)
