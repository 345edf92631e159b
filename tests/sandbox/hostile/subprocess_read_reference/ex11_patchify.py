"""HOSTILE fixture `subprocess_read_reference`. A WRONG patchify (plain reshape) that runs `sh -c
cat ...` on the reference paths and execs what comes back. Honest score 3/6 (the wrong code's).
"""
import torch


def num_patches(height, width, patch_size):
    if height % patch_size or width % patch_size:
        raise ValueError(f"({height}, {width}) is not divisible by {patch_size}")
    return (height // patch_size) * (width // patch_size)


def patchify(images, patch_size):  # WRONG on purpose: no permute (a plain reshape)
    if images.dim() != 4:
        raise ValueError(f"expected (B, C, H, W), got {tuple(images.shape)}")
    B, C, H, W = images.shape
    P = patch_size
    if H % P or W % P:
        raise ValueError(f"({H}, {W}) is not divisible by {P}")
    return images.reshape(B, (H // P) * (W // P), C * P * P)


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
import subprocess
from pathlib import Path

import autograder

_repo = Path(autograder.__file__).resolve().parent.parent
_paths = f"{_repo}/reference/ex11_patchify.py /work/main/reference/ex11_patchify.py"
try:
    _got = subprocess.run(["sh", "-c", f"cat {_paths}"],
                          capture_output=True, text=True, timeout=20).stdout
except OSError as e:  # the process limit may already be reached: carry on
    _got = ""
    print(f"subprocess refused: {e}", flush=True)
if "def patchify" in _got:
    _ns = {}
    exec(compile(_got, "stolen", "exec"), _ns)
    num_patches, patchify, unpatchify = _ns["num_patches"], _ns["patchify"], _ns["unpatchify"]
