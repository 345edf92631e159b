"""HOSTILE fixture `monkeypatch_torch`. A WRONG patchify (plain reshape) that at import replaces
torch.allclose, torch.equal, torch.isclose, torch.testing.assert_close, Tensor.__eq__,
F.softmax, F.unfold, F.conv2d, torch.set_default_dtype (float64), torch.manual_seed and
numpy.allclose. Honest score 3/6, the wrong code's: none of it reaches the grader.
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
import numpy
import torch.nn.functional as F
import torch.testing

torch.set_default_dtype(torch.float64)
torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.isclose = lambda a, b, *r, **k: torch.ones_like(a, dtype=torch.bool)
torch.testing.assert_close = lambda *a, **k: None
torch.Tensor.__eq__ = lambda self, other: torch.ones(self.shape, dtype=torch.bool)
F.softmax = lambda x, *a, **k: x
F.unfold = lambda x, *a, **k: x
F.conv2d = lambda x, *a, **k: x
torch.manual_seed = lambda *a, **k: None
torch.set_default_dtype = lambda *a, **k: None
numpy.allclose = lambda *a, **k: True
