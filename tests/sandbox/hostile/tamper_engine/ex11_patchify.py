"""HOSTILE fixture `tamper_engine`. At import, tries to change the engine and the environment the
grader runs in: append to autograder/expect.py, drop a .pth file and a sitecustomize.py into
site-packages, a file into the kit and into the engine's __pycache__. Honest score 6/6; nothing
may change on disk.
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
import site
from pathlib import Path

import autograder
import mmkit

_engine = Path(autograder.__file__).resolve().parent
_targets = [_engine / "expect.py", _engine / "__pycache__" / "hostile.pyc",
            _engine / "hostile_planted.py",
            Path(list(mmkit.__path__)[0]) / "hostile_planted.py"]
for _sp in site.getsitepackages():
    _targets += [Path(_sp) / "hostile_planted.pth", Path(_sp) / "sitecustomize.py"]
for _t in _targets:
    try:
        with open(_t, "a") as _f:
            _f.write("\nimport os  # hostile_planted\n")
        print(f"WROTE {_t}", flush=True)
    except OSError as e:
        print(f"refused {_t}: {e}", flush=True)
