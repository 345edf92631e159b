"""Checks for exercise 11 (patchify). Hidden checks compute expected patches with a
library routine independent of any reshape a student may write; public checks (which
ship to students) hold only known values and a digest, never a working patchify."""
import hashlib

import torch
import torch.nn.functional as F

from autograder import check, expect, expect_close, expect_equal, expect_raises, expect_tensor

LAYOUT_HINT = ("patches go row-major over the grid (token r*(W/P)+c) and each is flattened "
               "in (C, P, P) order; a plain reshape without a permute mixes patches")


# patchify(arange(3*8*12).reshape(1, 3, 8, 12), 4) as int64 bytes, and two of its tokens
ARANGE_DIGEST = "e3918f23f0f60975e370d7c134d0b855c72a74ffc70ddd841c45c1ccf1f7ddac"
ARANGE_TOKENS = {1: [4.0, 5.0, 6.0, 7.0, 16.0, 17.0], 4: [52.0, 53.0, 54.0, 55.0, 64.0, 65.0]}


def draw_size(rng, P, lo=1, hi=6):
    """A (non-square, usually) image size divisible by P."""
    h, w = torch.randint(lo, hi + 1, (2,), generator=rng).tolist()
    if h == w:
        w += 1
    return h * P, w * P


@check("ex11.num_patches_known", points=1)
def num_patches_known(sub):
    """num_patches gives (H/P)*(W/P) for well-known sizes, square and not."""
    for (h, w, p), want in {(336, 336, 14): 576, (224, 224, 16): 196, (32, 32, 4): 64,
                            (32, 48, 8): 24, (48, 32, 16): 6, (14, 14, 14): 1}.items():
        expect_equal(sub.num_patches(h, w, p), want, what=f"num_patches({h}, {w}, {p})",
                     hint="count (H/P) rows of patches times (W/P) columns")


@check("ex11.num_patches_drawn", points=0.5, hidden=True)
def num_patches_drawn(sub, rng):
    """num_patches on sizes drawn for this run."""
    for _ in range(6):
        p = int(torch.randint(2, 17, (1,), generator=rng))
        h, w = draw_size(rng, p, 1, 30)
        expect_equal(sub.num_patches(h, w, p), (h // p) * (w // p),
                     what=f"num_patches({h}, {w}, {p})")


@check("ex11.shapes", points=0.5)
def shapes(sub, rng):
    """patchify returns (B, N, C*P*P) for square and non-square images."""
    for B, C, H, W, P in [(2, 3, 32, 32, 4), (1, 3, 24, 40, 8), (3, 1, 12, 8, 2), (1, 2, 14, 28, 14)]:
        out = sub.patchify(torch.rand(B, C, H, W, generator=rng), P)
        expect_tensor(out, shape=(B, (H // P) * (W // P), C * P * P),
                      what=f"patchify of a {(B, C, H, W)} batch with P={P}",
                      hint="N = (H/P)*(W/P) tokens of length C*P*P; keep H and W apart")


@check("ex11.arange_values", points=1)
def arange_values(sub):
    """Exact values on an arange image: token order and flattening order."""
    x = torch.arange(3 * 8 * 12, dtype=torch.float32).reshape(1, 3, 8, 12)  # (1, C, H, W)
    got = expect_tensor(sub.patchify(x, 4), shape=(1, 6, 48), what="patchify(arange(1,3,8,12), 4)")
    for token, values in ARANGE_TOKENS.items():
        r, c = divmod(token, 3)
        expect_close(got[0, token, :6], torch.tensor(values), atol=0, rtol=0,
                     what=f"token {token} (grid row {r}, column {c}), first 6 values",
                     hint=LAYOUT_HINT)
    digest = hashlib.sha256(got.to(torch.int64).numpy().tobytes()).hexdigest()
    expect(digest == ARANGE_DIGEST, "the patches of the arange image differ from the "
           "expected ones somewhere past the values shown", hint=LAYOUT_HINT)


@check("ex11.conv_identity", points=1, hidden=True)
def conv_identity(sub, rng):
    """patchify(x) @ w.reshape(D, -1).T equals a stride-P convolution, on drawn sizes,
    and unpatchify inverts exactly that layout."""
    for _ in range(3):
        P = int(torch.randint(2, 7, (1,), generator=rng))
        H, W = draw_size(rng, P)
        B, C, D = 2, int(torch.randint(1, 4, (1,), generator=rng)), 5
        x = torch.randn(B, C, H, W, generator=rng)                      # (B, C, H, W)
        w = torch.randn(D, C, P, P, generator=rng)                      # (D, C, P, P)
        want = F.conv2d(x, w, stride=P).flatten(2).transpose(1, 2)      # (B, N, D)
        tokens = expect_tensor(sub.patchify(x, P), shape=(B, (H // P) * (W // P), C * P * P),
                               what=f"patchify of a {(B, C, H, W)} batch with P={P}")
        expect_close(tokens @ w.reshape(D, -1).T, want, atol=1e-4, rtol=1e-4,
                     what="patch tokens times the flattened conv weight", hint=LAYOUT_HINT)
    x = torch.randn(2, 3, 12, 20, generator=rng)                         # (B, C, H, W)
    tokens = F.unfold(x, kernel_size=4, stride=4).transpose(1, 2)        # (B, N, C*P*P)
    expect_close(sub.unpatchify(tokens, 4, 12, 20), x, atol=0, rtol=0,
                 what="unpatchify of patches in the conv layout", hint=LAYOUT_HINT)


@check("ex11.round_trip", points=1)
def round_trip(sub, rng):
    """unpatchify inverts patchify."""
    x = torch.randn(2, 3, 12, 20, generator=rng)                         # (B, C, H, W)
    back = expect_tensor(sub.unpatchify(sub.patchify(x, 4), 4, 12, 20), shape=(2, 3, 12, 20),
                         what="unpatchify(patchify(x, 4), 4, 12, 20)")
    expect_close(back, x, atol=0, rtol=0, what="the round trip",
                 hint="unpatchify must undo exactly the permutation patchify applies")


@check("ex11.errors", points=1)
def errors(sub):
    """Sizes that do not divide, and inputs of the wrong rank, raise ValueError."""
    expect_raises("ValueError", sub.num_patches, 336, 336, 15, what="num_patches(336, 336, 15)")
    expect_raises("ValueError", sub.num_patches, 32, 30, 4, what="num_patches(32, 30, 4)")
    expect_raises("ValueError", sub.patchify, torch.zeros(1, 3, 30, 32), 4,
                  what="patchify of a 30x32 image with P=4")
    expect_raises("ValueError", sub.patchify, torch.zeros(1, 3, 32, 30), 4,
                  what="patchify of a 32x30 image with P=4")
    expect_raises("ValueError", sub.patchify, torch.zeros(3, 32, 32), 4,
                  what="patchify of a 3-D tensor (no batch dimension)")
    expect_raises("ValueError", sub.unpatchify, torch.zeros(1, 10, 48), 4, 16, 16,
                  what="unpatchify of 10 tokens into a 16x16 image (which has 16)")
