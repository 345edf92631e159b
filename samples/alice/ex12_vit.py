"""Alternative correct ViT: a Linear on unfolded patches and torch's own
nn.TransformerEncoder (norm_first=True, dropout 0.1 that eval mode turns off, its
`norm=` as the final LayerNorm); parameters under other names."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ViTEncoder(nn.Module):
    def __init__(self, image_size=32, patch_size=4, in_channels=3, dim=64, depth=2,
                 num_heads=4, mlp_ratio=4.0):
        super().__init__()
        self.p = patch_size
        n = (image_size // patch_size) ** 2
        self.to_tokens = nn.Linear(in_channels * patch_size * patch_size, dim)
        self.cls_token = nn.Parameter(torch.randn(1, 1, dim) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, n + 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, num_heads, int(dim * mlp_ratio), dropout=0.1,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, depth, norm=nn.LayerNorm(dim),
                                             enable_nested_tensor=False)

    def forward(self, images):
        patches = F.unfold(images, self.p, stride=self.p).transpose(1, 2)  # (B, N, C*P*P)
        x = self.to_tokens(patches)
        x = torch.cat([self.cls_token.expand(len(x), -1, -1), x], dim=1)
        return self.encoder(x + self.pos_embed)
