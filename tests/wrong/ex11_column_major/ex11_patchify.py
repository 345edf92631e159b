# catches: ex11.arange_values ex11.conv_identity ex11.round_trip
"""Column-major patch grid: token c*(H/P)+r instead of r*(W/P)+c."""
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
    x = images.reshape(B, C, h, P, w, P).permute(0, 4, 2, 1, 3, 5)  # (B, w, h, C, P, P)
    return x.reshape(B, h * w, C * P * P)


def unpatchify(tokens, patch_size, height, width):
    B, N, L = tokens.shape
    if N != num_patches(height, width, patch_size):
        raise ValueError("wrong number of tokens")
    return F.fold(tokens.transpose(1, 2), (height, width), patch_size, stride=patch_size)

