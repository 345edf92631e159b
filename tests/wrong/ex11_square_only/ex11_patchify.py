# catches: ex11.num_patches_known ex11.num_patches_drawn ex11.shapes
"""Assumes square images: N = (H/P)**2."""
import torch
import torch.nn.functional as F


def num_patches(height, width, patch_size):
    if height % patch_size or width % patch_size:
        raise ValueError("not divisible")
    return (height // patch_size) ** 2


def patchify(images, patch_size):
    if images.dim() != 4:
        raise ValueError("need 4-D")
    B, C, H, W = images.shape
    num_patches(H, W, patch_size)
    P, h = patch_size, H // patch_size
    x = images[..., :H].reshape(B, C, h, P, h, P).permute(0, 2, 4, 1, 3, 5)
    return x.reshape(B, h * h, C * P * P)


def unpatchify(tokens, patch_size, height, width):
    B, N, L = tokens.shape
    if N != num_patches(height, width, patch_size):
        raise ValueError("wrong number of tokens")
    return F.fold(tokens.transpose(1, 2), (height, width), patch_size, stride=patch_size)

