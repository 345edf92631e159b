"""HOSTILE fixture `read_reference`. A WRONG patchify (plain reshape) that tries to read the
reference or the checks from disk (paths found from the engine's location, the repo path,
/proc/*/root, /proc/*/cwd, open fds); it execs the reference to pass, and raises if it saw the
checks. Honest score 3/6, the score of the wrong code: none of those files may be readable.
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
import glob
import os
from pathlib import Path

import autograder
import mmkit

_engine = Path(autograder.__file__).resolve().parent
_repo = _engine.parent
_assignment = Path(list(mmkit.__path__)[0]).resolve().parent
_candidates = [
    _repo / "reference" / "ex11_patchify.py",
    _assignment / "checks" / "ex11_patchify.py",
    Path("/work/main/reference/ex11_patchify.py"),
    Path("/proc/1/root") / str(_repo).lstrip("/") / "reference" / "ex11_patchify.py",
    Path(f"/proc/{os.getppid()}/root") / str(_repo).lstrip("/") / "reference" / "ex11_patchify.py",
    Path(f"/proc/{os.getppid()}/cwd") / "reference" / "ex11_patchify.py",
]
_candidates += map(Path, glob.glob(str(_repo / "**" / "ex11_patchify.py"), recursive=True))
for _fd in os.listdir("/proc/self/fd"):
    _candidates.append(Path("/proc/self/fd") / _fd)

_stolen, _checks_seen = None, []
for _c in _candidates:
    try:
        _text = _c.read_text()
    except (OSError, UnicodeDecodeError, ValueError):
        continue
    if "@check(" in _text:
        _checks_seen.append(str(_c))
    if "def patchify" in _text and "BEGIN SOLUTION" in _text:
        _stolen = _text
        print(f"READ {_c}", flush=True)
        break
if _checks_seen:
    raise RuntimeError(f"hostile: read the hidden checks at {_checks_seen}")
if _stolen is not None:
    _ns = {}
    exec(compile(_stolen, "stolen", "exec"), _ns)
    num_patches, patchify, unpatchify = _ns["num_patches"], _ns["patchify"], _ns["unpatchify"]
