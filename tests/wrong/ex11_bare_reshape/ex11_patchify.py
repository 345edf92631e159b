# catches: ex11.arange_values ex11.conv_identity
"""A bare reshape: the classic mistake, right shape, patches made of pixel runs."""
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
    n = num_patches(H, W, patch_size)
    return images.reshape(B, n, C * patch_size * patch_size)


def unpatchify(tokens, patch_size, height, width):
    B, N, L = tokens.shape
    if N != num_patches(height, width, patch_size):
        raise ValueError("wrong number of tokens")
    return tokens.reshape(B, L // patch_size ** 2, height, width)
