"""Exercise 12: a minimal Vision Transformer (ViT) encoder.

Shapes: B batch, C channels, H = W = image_size, P patch size, N = (H/P)**2 patch
tokens, D width (``dim``).

    vit = ViTEncoder(image_size=32, patch_size=4, dim=64)
    vit(images)                   # (B, 1+N, D): CLS first, then the N patch features
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor


# TODO: helper modules (attention, MLP, a pre-norm block), if you want them
# ...


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
        raise NotImplementedError

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
        raise NotImplementedError
