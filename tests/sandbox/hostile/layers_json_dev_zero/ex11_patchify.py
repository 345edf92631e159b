"""HOSTILE fixture `layers_json_dev_zero`. (The test caps the grading processes' memory with
RLIMIT_DATA for this one.) At import, replaces the .layers.json its worker wrote in the working
folder by a symlink to /dev/zero, then crashes num_patches once (on 224x224, P=16) so that the
grader starts a new worker and re-reads .layers.json. Honest score 5/6 (only num_patches_known
touches the crash); the grader must never read without bound from a path the submission
controls.
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

os.unlink(".layers.json")
os.symlink("/dev/zero", ".layers.json")
_num_patches = num_patches


def num_patches(height, width, patch_size):
    if (height, width, patch_size) == (224, 224, 16):
        os._exit(3)
    return _num_patches(height, width, patch_size)
