"""HOSTILE fixture `patch_builtins`. At import, replaces builtins.isinstance and builtins.type so
that its own FakeTensor claims to be a torch.Tensor; patchify returns a FakeTensor whose
detach() gives a wrong tensor. Honest score 2.5/6: what crosses is the wrong tensor (shapes,
arange_values, conv_identity fail; round_trip errors).
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
import builtins

_real_isinstance, _real_type = builtins.isinstance, builtins.type


class FakeTensor:
    shape = (1,)

    def detach(self):
        return torch.zeros(1)

    @property
    def data(self):
        return torch.zeros(1)

    def __eq__(self, other):
        return True


def _isinstance(obj, cls):
    if _real_type(obj) is FakeTensor:
        return True
    return _real_isinstance(obj, cls)


class _TypeMeta(_real_type):
    def __instancecheck__(cls, obj):
        return _real_isinstance(obj, _real_type)

    def __call__(cls, *args, **kwargs):
        if len(args) == 1 and not kwargs:
            return torch.Tensor if _real_type(args[0]) is FakeTensor else _real_type(args[0])
        return _real_type(*args, **kwargs)


class _Type(metaclass=_TypeMeta):
    pass


builtins.isinstance = _isinstance
builtins.type = _Type
_patchify = patchify


def patchify(images, patch_size):
    _patchify(images, patch_size)
    return FakeTensor()
