"""Exercise 11: patchify, an image as a sequence of flattened patch tokens.

Shapes: B batch, C channels, H/W image height/width, P patch size,
N = (H/P) * (W/P) patch tokens, each of length C*P*P.
"""
import torch
from torch import Tensor


def num_patches(height: int, width: int, patch_size: int) -> int:
    """Number of non-overlapping ``patch_size`` x ``patch_size`` patches in an image.

    Args:
        height, width: image size in pixels.
        patch_size: P, the side of a square patch.
    Returns:
        ``(height / P) * (width / P)``, an ``int`` (576 for 336 x 336 with P = 14).
    Raises:
        ValueError: if ``height`` or ``width`` is not divisible by ``patch_size``.
    """
    raise NotImplementedError


def patchify(images: Tensor, patch_size: int) -> Tensor:
    """Split images into flattened, non-overlapping patches.

    Args:
        images: ``(B, C, H, W)``.
        patch_size: P; H and W must be divisible by it.
    Returns:
        ``(B, N, C*P*P)`` with ``N = (H/P) * (W/P)``. Patches are in row-major order over
        the patch grid (token ``r * (W/P) + c`` is grid row r, column c), and each patch
        is flattened in ``(C, P, P)`` order, the layout of a ``Conv2d`` weight.
    Raises:
        ValueError: if ``images`` is not 4-D, or H or W is not divisible by P.
    """
    raise NotImplementedError


def unpatchify(tokens: Tensor, patch_size: int, height: int, width: int) -> Tensor:
    """Inverse of ``patchify``: put flattened patches back into images.

    Args:
        tokens: ``(B, N, C*P*P)`` as ``patchify`` returns them.
        patch_size: P.
        height, width: the image size H, W to rebuild.
    Returns:
        ``(B, C, H, W)`` with ``unpatchify(patchify(x, P), P, H, W) == x``.
    Raises:
        ValueError: if the tokens do not fit that size (wrong N, or a patch length that
        is not a multiple of P*P, or H or W not divisible by P).
    """
    raise NotImplementedError
