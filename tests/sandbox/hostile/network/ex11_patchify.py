"""HOSTILE fixture `network`. At import, connects to a listener the test opens on 127.0.0.1 (port
planted in port.txt) and to 192.0.2.1:80 (TEST-NET, 2 s timeout); raises if either connects.
Honest score 6/6; the listener must see no connection.
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
import socket
from pathlib import Path

_port = int((Path(__file__).resolve().parent / "port.txt").read_text())
_connected = []
for _family, _addr in ((socket.AF_INET, ("127.0.0.1", _port)),
                       (socket.AF_INET6, ("::1", _port)),
                       (socket.AF_INET, ("192.0.2.1", 80))):
    try:
        _s = socket.socket(_family, socket.SOCK_STREAM)
    except OSError as e:
        print(f"no socket for {_addr}: {e}", flush=True)
        continue
    _s.settimeout(2)
    try:
        _s.connect(_addr)
        _s.sendall(b"hostile submission was here")
        _connected.append(_addr)
    except OSError as e:
        print(f"refused {_addr}: {e}", flush=True)
    finally:
        _s.close()
if _connected:
    raise RuntimeError(f"hostile: reached {_connected}")
