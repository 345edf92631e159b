"""HOSTILE fixture `symlink_dir`. A WRONG patchify (plain reshape) next to a symlink 'refdir' ->
the repository's reference/ folder (made by the test); it tries to import the reference through
it. Honest score 3/6: the link must not be followed into the sandbox.
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
from pathlib import Path

_link = Path(__file__).resolve().parent / "refdir" / "ex11_patchify.py"
try:
    _text = _link.read_text()
    _ns = {}
    exec(compile(_text, "stolen", "exec"), _ns)
    num_patches, patchify, unpatchify = _ns["num_patches"], _ns["patchify"], _ns["unpatchify"]
    print("READ the reference through refdir", flush=True)
except OSError as e:
    print(f"refused {_link}: {e}", flush=True)
