# catches: ex11.round_trip ex11.conv_identity
"""patchify is right; unpatchify puts the grid back transposed."""
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
    return F.unfold(images, patch_size, stride=patch_size).transpose(1, 2)


def unpatchify(tokens, patch_size, height, width):
    B, N, L = tokens.shape
    if N != num_patches(height, width, patch_size):
        raise ValueError("wrong number of tokens")
    P, h, w = patch_size, height // patch_size, width // patch_size
    C = L // (P * P)
    x = tokens.reshape(B, w, h, C, P, P).permute(0, 3, 2, 4, 1, 5)
    return x.reshape(B, C, height, width)
