# catches: ex11.errors
"""Silently floors sizes that do not divide, and never complains about the rank."""
import torch
import torch.nn.functional as F


def num_patches(height, width, patch_size):
    return (height // patch_size) * (width // patch_size)


def patchify(images, patch_size):
    if images.dim() == 3:
        images = images.unsqueeze(0)
    B, C, H, W = images.shape
    H, W = H - H % patch_size, W - W % patch_size
    images = images[:, :, :H, :W]
    return F.unfold(images, patch_size, stride=patch_size).transpose(1, 2)


def unpatchify(tokens, patch_size, height, width):
    return F.fold(tokens.transpose(1, 2), (height, width), patch_size, stride=patch_size)
