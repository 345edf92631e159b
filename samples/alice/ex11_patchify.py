"""Alternative: F.unfold / F.fold, float-returning num_patches via int()."""
import torch.nn.functional as F


def num_patches(height, width, patch_size):
    rows, r = divmod(height, patch_size)
    cols, c = divmod(width, patch_size)
    if r or c:
        raise ValueError(f"{height}x{width} not divisible by {patch_size}")
    return int(rows * cols)


def patchify(images, patch_size):
    if images.ndim != 4:
        raise ValueError("expected (B, C, H, W)")
    num_patches(images.shape[-2], images.shape[-1], patch_size)
    return F.unfold(images, kernel_size=patch_size, stride=patch_size).transpose(1, 2)


def unpatchify(tokens, patch_size, height, width):
    if tokens.ndim != 3 or tokens.shape[1] != num_patches(height, width, patch_size):
        raise ValueError("tokens do not fit")
    return F.fold(tokens.transpose(1, 2), (height, width), kernel_size=patch_size, stride=patch_size)
