"""HOSTILE fixture `exit_in_function`. unpatchify prints a fake perfect score and calls
os._exit(0). Honest score 4/6: round_trip and errors call unpatchify; the 4 other points do not.
"""
import torch


def num_patches(height, width, patch_size):
    if height % patch_size or width % patch_size:
        raise ValueError(f"({height}, {width}) is not divisible by {patch_size}")
    return (height // patch_size) * (width // patch_size)


def patchify(images, patch_size):
    if images.dim() != 4:
        raise ValueError(f"expected (B, C, H, W), got {tuple(images.shape)}")
    B, C, H, W = images.shape
    P = patch_size
    if H % P or W % P:
        raise ValueError(f"({H}, {W}) is not divisible by {P}")
    h, w = H // P, W // P
    x = images.reshape(B, C, h, P, w, P).permute(0, 2, 4, 1, 3, 5)  # (B, h, w, C, P, P)
    return x.reshape(B, h * w, C * P * P)                            # (B, N, C*P*P)


def unpatchify(tokens, patch_size, height, width):
    if tokens.dim() != 3:
        raise ValueError(f"expected (B, N, L), got {tuple(tokens.shape)}")
    B, N, L = tokens.shape
    P = patch_size
    if height % P or width % P or N != (height // P) * (width // P) or L % (P * P):
        raise ValueError(f"{N} tokens of length {L} do not fit {height}x{width}, P={P}")
    h, w, C = height // P, width // P, L // (P * P)
    x = tokens.reshape(B, h, w, C, P, P).permute(0, 3, 1, 4, 2, 5)  # (B, C, h, P, w, P)
    return x.reshape(B, C, height, width)                            # (B, C, H, W)


# ---- hostile part ----
import os


def unpatchify(tokens, patch_size, height, width):
    print('{"score": 6, "max_score": 6, "status": "passed"}', flush=True)
    os._exit(0)
