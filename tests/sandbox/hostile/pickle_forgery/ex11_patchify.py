"""HOSTILE fixture `pickle_forgery`. Replaces the worker's encoder so that num_patches' reply is a
pickled object whose __reduce__ runs os.system in whoever unpickles it (it would create a marker
file in the grader's /tmp). Honest score 4.5/6: the reply must be refused as not data.
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

import autograder.objects


class Pwn:
    def __reduce__(self):
        return (os.system, ("touch /tmp/autograder-hostile-pickle-marker",))


_encode = autograder.objects.encode


def _raw_encode(value, register, depth=0):
    if type(value) is Pwn:
        return value
    return _encode(value, register, depth)


autograder.objects.encode = _raw_encode
_num_patches = num_patches


def num_patches(height, width, patch_size):
    _num_patches(height, width, patch_size)
    return Pwn()
