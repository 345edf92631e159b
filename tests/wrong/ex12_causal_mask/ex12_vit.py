# catches: ex12.attends ex12.pos_embed_added ex12.no_pos_equivariant
"""Wrong: a causal mask copied from language-model code: CLS, first, sees only itself,
and each patch only the tokens before it."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


class Attention(nn.Module):
    """Multi-head self-attention among the tokens of each sample: (B, L, D) -> (B, L, D)."""

    def __init__(self, dim: int, num_heads: int):
        super().__init__()
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor) -> Tensor:
        B, L, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)                                    # 3 x (B, L, D)
        q, k, v = (t.view(B, L, self.num_heads, -1).transpose(1, 2)
                   for t in (q, k, v))                                            # (B, nh, L, hs)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)               # (B, nh, L, hs)
        return self.proj(y.transpose(1, 2).reshape(B, L, D))                      # (B, L, D)


class Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(norm1(x))``, then ``x + mlp(norm2(x))``."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float):
        super().__init__()
        hidden = int(dim * mlp_ratio)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, num_heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x))                                          # (B, L, D)
        return x + self.mlp(self.norm2(x))                                        # (B, L, D)


class ViTEncoder(nn.Module):
    """A ViT encoder: patch embedding, a CLS token, learned position embeddings,
    ``depth`` pre-norm transformer blocks, and a final LayerNorm. The first block takes
    the embedded tokens as they are (no LayerNorm in between, unlike CLIP's ``ln_pre``).

    Args:
        image_size: H = W of the input images; must be divisible by ``patch_size``.
        patch_size: P, the side of a square patch.
        in_channels: C.
        dim: D, the token width; must be divisible by ``num_heads``.
        depth: the number of transformer blocks.
        num_heads: attention heads per block.
        mlp_ratio: each block's MLP has ``int(dim * mlp_ratio)`` hidden units.
    Attributes:
        cls_token: ``nn.Parameter`` of shape ``(1, 1, D)``.
        pos_embed: ``nn.Parameter`` of shape ``(1, 1+N, D)``, added to the CLS token and
            the N patch tokens (row ``0`` to CLS, row ``1 + i`` to patch ``i``).
        Both start with small random values (std about 0.02, e.g. ``trunc_normal_``),
        not zeros.
    Raises:
        ValueError: if ``image_size`` is not divisible by ``patch_size``, or ``dim`` by
            ``num_heads``.
    """

    def __init__(self, image_size: int = 32, patch_size: int = 4, in_channels: int = 3,
                 dim: int = 64, depth: int = 2, num_heads: int = 4, mlp_ratio: float = 4.0):
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"image_size ({image_size}) must be divisible by "
                             f"patch_size ({patch_size})")
        if dim % num_heads:
            raise ValueError(f"dim ({dim}) must be divisible by num_heads ({num_heads})")
        self.image_size, self.in_channels = image_size, in_channels
        num_patches = (image_size // patch_size) ** 2
        self.patch_embed = nn.Conv2d(in_channels, dim, kernel_size=patch_size, stride=patch_size)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + num_patches, dim))
        nn.init.trunc_normal_(self.cls_token, std=0.02)
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.blocks = nn.ModuleList(Block(dim, num_heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, images: Tensor) -> Tensor:
        """Encode a batch of images into tokens.

        Args:
            images: ``(B, C, H, W)`` with ``C = in_channels`` and ``H = W = image_size``.
        Returns:
            ``(B, 1+N, D)``: the CLS token's features first, then the N patch tokens in
            row-major order over the patch grid (as ex11's ``patchify``), all after the
            final LayerNorm. Each sample is encoded independently of the others.
        Raises:
            ValueError: if ``images`` is not ``(B, in_channels, image_size, image_size)``.
        """
        want = (self.in_channels, self.image_size, self.image_size)
        if images.dim() != 4 or tuple(images.shape[1:]) != want:
            raise ValueError(f"Input shape {tuple(images.shape)} doesn't match model "
                             f"(B, {want[0]}, {want[1]}, {want[2]}).")
        x = self.patch_embed(images).flatten(2).transpose(1, 2)                   # (B, N, D)
        cls = self.cls_token.expand(x.shape[0], -1, -1)                           # (B, 1, D)
        x = torch.cat([cls, x], dim=1) + self.pos_embed                           # (B, 1+N, D)
        for block in self.blocks:
            x = block(x)                                                          # (B, 1+N, D)
        return self.norm(x)                                                       # (B, 1+N, D)
