"""Checks for exercise 12 (ViT encoder).

A submission's ViT starts from its own random init, so no check compares numbers with
the reference: each proves a property every correct ViT has, on a freshly built model in
eval mode (dropout, if any, off). Where position embeddings must matter, or must not,
the grader sets ``pos_embed`` itself.

Patches are permuted by moving rows and columns of the patch grid by the same
permutation ``rho``: the permutation of patch tokens is then the same whether a
submission lists its patches row-major (a ``Conv2d``, ex11's ``patchify``) or
column-major, and the patch at grid ``(r, r)`` is token ``r * (grid + 1)`` either way.
"""
import torch
import torch.nn.functional as F

from autograder import (assign, check, expect, expect_close, expect_tensor, fetch, gradients,
                        parameters)

SMALL = dict(image_size=32, patch_size=8, in_channels=3, dim=32, depth=2, num_heads=4)
P, D = SMALL["patch_size"], SMALL["dim"]
GRID = SMALL["image_size"] // P   # the patch grid's side
N = GRID * GRID                   # patch tokens
B = 2
SAME = dict(atol=1e-4, rtol=1e-4)  # one computation done twice, tokens in another order
CHANGED = 1e-3                    # an output that must react moves by more than this


def build(sub):
    """A fresh small ViTEncoder in eval mode."""
    vit = sub.ViTEncoder(**SMALL)
    vit.eval()
    return vit


def encode(vit, x, what):
    return expect_tensor(vit(x), shape=(x.shape[0], 1 + N, D), what=what)


def draw_images(rng, batch=B):
    return torch.randn(batch, 3, GRID * P, GRID * P, generator=rng)      # (B, C, H, W)


def grid_permutation(rng):
    """``rho``, a non-identity permutation of grid lines, and ``sigma``, the permutation of
    patch tokens it makes: the permuted image's token ``k`` is the original's ``sigma[k]``."""
    rho = torch.arange(GRID)
    while torch.equal(rho, torch.arange(GRID)):
        rho = torch.randperm(GRID, generator=rng)
    sigma = (rho[:, None] * GRID + rho[None, :]).flatten()               # (N,)
    return rho, sigma


def permute_patches(x, rho):
    """Images whose patch at grid ``(r, c)`` is the input's patch ``(rho[r], rho[c])``."""
    pixels = (rho[:, None] * P + torch.arange(P)).flatten()              # (H,)
    return x[:, :, pixels][:, :, :, pixels]                              # (B, C, H, W)


@check("ex12.shapes", points=0.5)
def shapes(sub, rng):
    """The output is (B, 1+N, D); cls_token is (1, 1, D) and pos_embed (1, 1+N, D)."""
    other = dict(image_size=24, patch_size=6, in_channels=1, dim=48, depth=1, num_heads=3,
                 mlp_ratio=2.0)
    #              config, B, C, H = W, N, D   ({} is the defaults: 32 px, P = 4, D = 64)
    for config, batch, C, size, n, dim in [({}, 2, 3, 32, 64, 64), (other, 3, 1, 24, 16, 48)]:
        vit = sub.ViTEncoder(**config)
        vit.eval()
        label = f"ViTEncoder({', '.join(f'{k}={v}' for k, v in config.items())})"
        x = torch.rand(batch, C, size, size, generator=rng)              # (B, C, H, W)
        expect_tensor(vit(x), shape=(batch, 1 + n, dim),
                      what=f"{label} on a {tuple(x.shape)} batch",
                      hint="one CLS token, then N = (image_size/patch_size)**2 patch tokens, "
                           "each of width dim")
        expect_tensor(fetch(vit.cls_token), shape=(1, 1, dim), what=f"{label}.cls_token")
        expect_tensor(fetch(vit.pos_embed), shape=(1, 1 + n, dim), what=f"{label}.pos_embed",
                      hint="one position embedding per token, CLS included")


@check("ex12.pos_embed_learned", points=1)
def pos_embed_learned(sub):
    """cls_token and pos_embed are trainable parameters initialised with small random values."""
    vit = sub.ViTEncoder()
    params = parameters(vit)
    for name, shape in (("pos_embed", (1, 65, 64)), ("cls_token", (1, 1, 64))):
        value = expect_tensor(fetch(getattr(vit, name)), shape=shape, what=f"vit.{name}")
        owners = [n for n, p in params.items()
                  if p["value"].shape == value.shape and torch.equal(p["value"], value)]
        expect(bool(owners), f"vit.{name} is not one of the module's parameters",
               hint="wrap it in nn.Parameter so that it is learned (a buffer or a plain "
                    "tensor is not)")
        expect(any(params[n]["requires_grad"] for n in owners),
               f"vit.{name} is a parameter with requires_grad=False", hint="it must be learned")
        std = value.std().item()
        expect(0.005 <= std <= 0.05,
               f"vit.{name} should start with small random values (std between 0.005 and "
               f"0.05), got std {std:.3g}",
               hint="initialise it with e.g. nn.init.trunc_normal_(..., std=0.02)")


@check("ex12.no_pos_equivariant", points=1)
def no_pos_equivariant(sub, rng):
    """With pos_embed zeroed, permuting the patches permutes the patch outputs and leaves CLS."""
    vit = build(sub)
    assign(vit.pos_embed, torch.zeros(1, 1 + N, D))
    x = draw_images(rng)
    rho, sigma = grid_permutation(rng)
    out = encode(vit, x, "the output")
    moved = encode(vit, permute_patches(x, rho), "the output for permuted patches")
    expect_close(moved[:, 0], out[:, 0], **SAME,
                 what="the CLS output after permuting the patches, with pos_embed zeroed",
                 hint="without position embeddings attention sees the patches as a set; is "
                      "CLS the first token, and does every token pass through the same layers?")
    expect_close(moved[:, 1:], out[:, 1:][:, sigma], **SAME,
                 what="the patch outputs after permuting the patches, with pos_embed zeroed",
                 hint="each patch's output should move with its patch, and come after CLS")


@check("ex12.pos_embed_added", points=0.5)
def pos_embed_added(sub, rng):
    """With pos_embed set to random values, permuting the patches changes the CLS output."""
    vit = build(sub)
    assign(vit.pos_embed, torch.randn(1, 1 + N, D, generator=rng))
    x = draw_images(rng)
    rho, _ = grid_permutation(rng)
    out = encode(vit, x, "the output")
    moved = encode(vit, permute_patches(x, rho), "the output for permuted patches")
    change = (moved[:, 0] - out[:, 0]).abs().max().item()
    expect(change > CHANGED,
           f"with random position embeddings, permuting the patches changed the CLS output by "
           f"only {change:.2g}; it should change, since patches now sit at other positions",
           hint="add pos_embed to the tokens before the transformer blocks")


@check("ex12.pos_embed_aligned", points=0.5, hidden=True)
def pos_embed_aligned(sub, rng):
    """Row 1+i of pos_embed goes to patch i: permuting patches and those rows alike permutes
    the patch outputs and leaves CLS unchanged."""
    vit = build(sub)
    pos = torch.randn(1, 1 + N, D, generator=rng)                        # (1, 1+N, D)
    x = draw_images(rng)
    rho, sigma = grid_permutation(rng)
    assign(vit.pos_embed, pos)
    out = encode(vit, x, "the output")
    assign(vit.pos_embed, torch.cat([pos[:, :1], pos[:, 1:][:, sigma]], dim=1))
    moved = encode(vit, permute_patches(x, rho), "the output for permuted patches and positions")
    hint = "row 0 of pos_embed belongs to CLS and row 1+i to patch i"
    expect_close(moved[:, 0], out[:, 0], **SAME, hint=hint,
                 what="the CLS output after permuting the patches and their pos_embed rows")
    expect_close(moved[:, 1:], out[:, 1:][:, sigma], **SAME, hint=hint,
                 what="the patch outputs after permuting the patches and their pos_embed rows")


@check("ex12.attends", points=1)
def attends(sub, rng):
    """Changing one patch changes the CLS output and the output of every other patch."""
    vit = build(sub)
    x = draw_images(rng)
    r = int(torch.randint(GRID, (1,), generator=rng))
    changed = x.clone()
    changed[:, :, r * P:(r + 1) * P, r * P:(r + 1) * P] = torch.randn(B, 3, P, P, generator=rng)
    out = encode(vit, x, "the output")
    moved = encode(vit, changed, "the output for a changed patch")
    diff = (moved - out).abs().amax(dim=-1)                              # (B, 1+N)
    others = [t for t in range(1, 1 + N) if t != 1 + r * (GRID + 1)]  # patch tokens but r's
    cls, patch = diff[:, 0].min().item(), diff[:, others].min().item()
    hint = "every token should attend to all tokens of its own image"
    expect(cls > CHANGED, f"changing one patch changed the CLS output by only {cls:.2g}", hint=hint)
    expect(patch > CHANGED, f"changing one patch left another patch's output (nearly) unchanged: "
                            f"it moved by only {patch:.2g}", hint=hint)


@check("ex12.batch_independent", points=0.5, hidden=True)
def batch_independent(sub, rng):
    """Each image is encoded as if alone: batch-mates do not change its output."""
    vit = build(sub)
    x = draw_images(rng, batch=4)
    out = encode(vit, x, "the output for a batch of 4")
    hint = "attention must run over the tokens of one image, never across the batch"
    expect_close(encode(vit, x[1:2], "the output for one image"), out[1:2], **SAME, hint=hint,
                 what="image 1 encoded alone, compared with it encoded in a batch of 4")
    other = x.clone()
    other[0] = torch.randn(3, GRID * P, GRID * P, generator=rng)
    expect_close(encode(vit, other, "the output for a batch of 4")[1:], out[1:], **SAME,
                 what="images 1-3 after image 0 of their batch was replaced", hint=hint)


@check("ex12.gradients", points=0.5)
def every_parameter_learns(sub, rng):
    """Every parameter gets a gradient from a loss on the output. (Not "a non-zero one": a
    key projection's bias has a zero gradient in every correct attention.)"""
    vit = build(sub)
    x = draw_images(rng)
    res = gradients(vit, x, cotangent=torch.randn(B, 1 + N, D, generator=rng), params_of=[vit])
    expect_tensor(res["output"], shape=(B, 1 + N, D), what="the output")
    grads = res["param_grads"][0]
    expect(bool(grads), "the model has no parameters")
    missing = sorted(n for n, g in grads.items() if g is None)
    expect(not missing, f"no gradient reached {', '.join(missing)}",
           hint="every parameter should be trainable and used in forward")
    for name, g in grads.items():
        expect_tensor(g, what=f"the gradient of {name}")


@check("ex12.eval_deterministic", points=0.5)
def eval_deterministic(sub, rng):
    """In eval mode the same images give the same output twice."""
    vit = build(sub)
    x = draw_images(rng)
    first = encode(vit, x, "the output")
    expect_close(encode(vit, x, "the output, run again"), first, atol=1e-6, rtol=0,
                 what="the eval-mode output run twice on the same images",
                 hint="dropout must be off in eval mode: use nn.Dropout, or pass "
                      "training=self.training to F.dropout")


@check("ex12.final_norm", points=0.5)
def final_norm(sub, rng):
    """Every output token of a fresh model has mean 0 and variance 1 over D (a final LayerNorm)."""
    vit = build(sub)
    out = encode(vit, draw_images(rng), "the output")
    expect_close(out.mean(dim=-1), torch.zeros(B, 1 + N), atol=1e-3, rtol=0,
                 what="each output token's mean over D", hint="end with a LayerNorm over D")
    expect_close(out.var(dim=-1, unbiased=False), torch.ones(B, 1 + N), atol=0.02, rtol=0,
                 what="each output token's variance over D", hint="end with a LayerNorm over D")


@check("ex12.pre_norm", points=0.5, hidden=True,
       requires=("ex12.pos_embed_added", "ex12.final_norm"))
def pre_norm(sub, rng):
    """An embedding 10^4 times larger than anything a block adds reaches the final LayerNorm
    through the residual stream: pre-norm blocks, with residual connections.

    Pre-norm: ``x + f(norm(x))`` adds O(1) to a stream of size 10^4, so the output is the
    final LayerNorm of the embedding (to about 1e-3; 0.02 allowed). Post-norm blocks and
    missing residuals miss it by 0.7 and more. A LayerNorm before the first block (CLIP's
    ``ln_pre``) would fail this too: the docstring of ``ViTEncoder`` rules it out."""
    vit = build(sub)
    pos = torch.randn(D, generator=rng)                                  # (D,)
    assign(vit.pos_embed, 1e4 * pos.expand(1, 1 + N, D))  # one row for all: alignment is moot
    out = encode(vit, draw_images(rng), "the output for huge position embeddings")
    expect_close(out[:, 1:], F.layer_norm(pos, (D,)).expand(B, N, D), atol=0.02, rtol=0,
                 what="the patch outputs when pos_embed is 10^4 times larger than anything "
                      "a block adds",
                 hint="a pre-norm block normalises only its sublayer's input, x + f(norm(x)), "
                      "so the residual stream carries the embeddings through to the final "
                      "LayerNorm; a post-norm block, norm(x + f(x)), or a missing residual "
                      "connection does not")
