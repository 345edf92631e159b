"""HOSTILE fixture `proc_secrets`. At import, looks for the grader's environment (a canary variable
the test sets in the grading process) in its own environment and in every /proc/<pid>/environ
and /proc/<pid>/mem it can open; raises if it finds anything. Honest score 6/6.
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

_found = []
if any("AUTOGRADER_HOSTILE_CANARY" in k for k in os.environ):
    _found.append("os.environ")
for _pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if int(_pid) == os.getpid() or os.stat(f"/proc/{_pid}").st_uid == os.getuid():
            continue  # its own processes do not count
    except OSError:
        continue
    for _what in ("environ", "mem"):
        try:
            with open(f"/proc/{_pid}/{_what}", "rb") as _f:
                _data = _f.read(1 << 16) if _what == "environ" else _f.read(1)
        except OSError:
            continue
        if _what == "mem" or b"AUTOGRADER_HOSTILE_CANARY" in _data:
            _found.append(f"/proc/{_pid}/{_what}")
if _found:
    raise RuntimeError(f"hostile: read the grader's secrets from {_found}")
