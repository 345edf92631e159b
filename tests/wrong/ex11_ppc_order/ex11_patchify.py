# catches: ex11.arange_values ex11.conv_identity
"""Patches flattened in (P, P, C) order, as MAE does; the contract asks for (C, P, P)."""
import torch
import torch.nn.functional as F


def num_patches(height, width, patch_size):
    if height % patch_size or width % patch_size:
        raise ValueError("not divisible")
    return (height // patch_size) * (width // patch_size)


def patchify(images, patch_size):
    if images.dim() != 4:
        raise ValueError("need 4-D")
    B, C, H, W = images.shape
    num_patches(H, W, patch_size)
    P, h, w = patch_size, H // patch_size, W // patch_size
    x = images.reshape(B, C, h, P, w, P).permute(0, 2, 4, 3, 5, 1)  # (B, h, w, P, P, C)
    return x.reshape(B, h * w, P * P * C)


def unpatchify(tokens, patch_size, height, width):
    B, N, L = tokens.shape
    if N != num_patches(height, width, patch_size):
        raise ValueError("wrong number of tokens")
    P, h, w = patch_size, height // patch_size, width // patch_size
    C = L // (P * P)
    x = tokens.reshape(B, h, w, P, P, C).permute(0, 5, 1, 3, 2, 4)
    return x.reshape(B, C, height, width)
