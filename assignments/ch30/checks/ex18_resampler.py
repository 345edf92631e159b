"""Checks for exercise 18 (a resampler: N tokens in, K learned queries out).

A submission's Resampler starts from its own random init, and its layout (Flamingo's
latents in the keys, a Q-Former's self-attention among the queries, a bare
cross-attention) is free, so no check compares numbers with the reference. Each proves a
property every correct resampler has: K outputs for any N; invariance to the order of the
N tokens; samples resampled on their own; gradients reaching the queries and every token;
outputs that are an attention-weighted average (bounded as N grows, steered by the queries,
reading more than the tokens' mean); a cost linear in N.

Duplicating tokens (x -> [x, x]) is deliberately NOT tested: when the latents sit among the
keys (open_flamingo), duplication changes the tokens' share of the attention.

"No N x N attention" is proved by behaviour, not by timing: at N = 2**18 tokens an N x N
float32 attention matrix needs 256 GiB (per head and sample), which no grading machine can
allocate (the sandbox caps a submission's data at 4 GiB), while cross-attention from K
queries needs a few MB. A tiled N x N attention that never stores the matrix still does
~10**12 operations there and hits the check's 20 s timeout (a correct solution takes
~0.1 s in-process, ~1 s through the sandbox with the 8 MB input's transfer).
"""
import torch

from autograder import (SubmissionError, assign, check, expect, expect_close, expect_tensor,
                        fetch, gradients, parameters)
from autograder.errors import SubmissionTimeout

SMALL = dict(dim=32, num_queries=8, num_heads=4, depth=1)
OTHER = dict(dim=24, num_queries=5, num_heads=3, depth=2)
SAME = dict(atol=1e-4, rtol=1e-4)  # one computation done twice, tokens in another order
CHANGED = 1e-3                     # relative change an output that must react exceeds
MEAN_ONLY = 1e-4                   # reflected tokens: correct >= 5e-3, a mean-only model ~1e-7
STEERED = 2e-2                     # one query, 2048 tokens, query replaced: correct >= 0.05,
                                   # softmax over the queries (weights all 1) <= 0.005
BIG_N = 2 ** 18                    # tokens in the cost check: N x N floats = 256 GiB

ATTEND_HINT = ("the K queries must attend to the N tokens (cross-attention); do not give "
               "tokens positions, pool them by index, or mix them with a layer over the N axis")


def label(config: dict) -> str:
    return "Resampler(" + ", ".join(f"{k}={v}" for k, v in config.items()) + ")"


def build(sub, config=SMALL):
    """A fresh Resampler in eval mode (dropout, if any, off)."""
    res = sub.Resampler(**config)
    res.eval()
    return res


def resample(res, x, config, what=None):
    B, K, D = x.shape[0], config["num_queries"], config["dim"]
    return expect_tensor(res(x), shape=(B, K, D),
                         what=what or f"{label(config)} on a {tuple(x.shape)} input",
                         hint="K = num_queries output tokens of width dim, whatever N is")


def relative_change(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a - b).norm() / (a.norm() + b.norm() + 1e-12)).item()


@check("ex18.any_n", points=1)
def any_n(sub, rng):
    """One module maps (B, N, D) to (B, K, D) for N from 1 to 4096, and the outputs stay
    on one scale as N grows (attention averages the tokens, it does not sum them)."""
    for config in (SMALL, OTHER):
        res = build(sub, config)
        D = config["dim"]
        offset = 2 * torch.randn(D, generator=rng)  # tokens share a direction: sums grow
        scale = {}
        for B, N in [(2, 1), (2, 2), (3, 7), (2, 64), (2, 577), (1, 4096)]:
            x = torch.randn(B, N, D, generator=rng) + offset                # (B, N, D)
            scale[N] = resample(res, x, config).norm(dim=-1).mean().item()
        few = max(scale[1], scale[2], scale[7])
        expect(scale[4096] < 3 * few + 1e-6,
               f"{label(config)}: the average output norm grows with N, from {few:.3g} "
               f"(N <= 7) to {scale[4096]:.3g} (N = 4096)",
               hint="each query's attention weights must sum to 1 over the tokens (softmax "
                    "over the key axis), so the output is a weighted average, not a sum")


@check("ex18.queries", points=0.5)
def queries(sub):
    """`queries` is a trainable nn.Parameter of shape (K, D)."""
    for config in (SMALL, OTHER, dict(dim=16, num_queries=1, num_heads=2, depth=1)):
        res = build(sub, config)
        K, D = config["num_queries"], config["dim"]
        expect_tensor(fetch(res.queries), shape=(K, D), what=f"{label(config)}.queries",
                      hint="one learned query of width dim per output token")
        params = parameters(res)
        expect("queries" in params,
               f"{label(config)}.queries is not among the module's parameters "
               f"(found {sorted(params)[:8]})",
               hint="make it an nn.Parameter so that the optimiser trains it")
        expect(params["queries"]["requires_grad"],
               f"{label(config)}.queries has requires_grad=False",
               hint="the queries are learned: keep them trainable")


@check("ex18.permutation", points=1)
def permutation(sub, rng):
    """Permuting the N input tokens (differently per sample) leaves the output unchanged."""
    for config, N in ((SMALL, 37), (OTHER, 300)):
        res = build(sub, config)
        B = 3
        x = torch.randn(B, N, config["dim"], generator=rng)                 # (B, N, D)
        y = resample(res, x, config)
        perms = torch.stack([torch.randperm(N, generator=rng) for _ in range(B)])  # (B, N)
        shuffled = torch.gather(x, 1, perms[:, :, None].expand_as(x))       # (B, N, D)
        expect_close(resample(res, shuffled, config), y, **SAME,
                     what=f"{label(config)} on the same {N} tokens in another order",
                     hint=ATTEND_HINT)


@check("ex18.batch", points=0.5)
def batch(sub, rng):
    """Each sample is resampled on its own: batched equals one by one, and changing one
    sample's tokens changes no other sample's output."""
    res = build(sub, OTHER)
    B, N, D = 4, 19, OTHER["dim"]
    x = torch.randn(B, N, D, generator=rng)                                 # (B, N, D)
    y = resample(res, x, OTHER)
    for b in range(B):
        expect_close(resample(res, x[b:b + 1], OTHER)[0], y[b], **SAME,
                     what=f"sample {b} resampled on its own versus inside the batch",
                     hint="attend within each sample; never mix tokens or statistics "
                          "across the batch")
    x2 = x.clone()
    x2[2] = torch.randn(N, D, generator=rng)
    y2 = resample(res, x2, OTHER)
    others = torch.tensor([0, 1, 3])
    expect_close(y2[others], y[others], **SAME,
                 what="after changing the tokens of sample 2, the outputs of samples 0, 1, 3",
                 hint="attend within each sample; never mix tokens across the batch")


@check("ex18.gradients", points=1)
def gradients_flow(sub, rng):
    """Gradients reach the queries and every one of the N input tokens."""
    res = build(sub, SMALL)
    B, N, K, D = 2, 300, SMALL["num_queries"], SMALL["dim"]
    x = torch.randn(B, N, D, generator=rng)
    g = gradients(res, x, wrt=(0,), cotangent=torch.randn(B, K, D, generator=rng),
                  params_of=[res])
    expect_tensor(g["output"], shape=(B, K, D), what="the output")
    gx = g["input_grads"][0]
    expect(gx is not None, "the input tokens get no gradient",
           hint="do not detach the tokens or run the resampler under torch.no_grad()")
    gx = expect_tensor(gx, shape=(B, N, D), what="the gradient of the input tokens")
    dead = (gx.abs().sum(-1) == 0).nonzero().tolist()                     # [[b, n], ...]
    if dead:
        (b, n), count = dead[0], len(dead)
        expect(False, f"{count} of the {B * N} input tokens get no gradient (the first: "
               f"sample {b}, token {n})",
               hint="every token must be read by the queries; do not truncate or sub-sample N")
    grads = g["param_grads"][0]
    expect("queries" in grads, "queries is not a trainable parameter of the module",
           hint="make queries an nn.Parameter")
    gq = grads["queries"]
    expect(gq is not None and bool(torch.isfinite(gq).all()) and bool(gq.abs().sum() > 0),
           "the queries get no (finite, nonzero) gradient",
           hint="the outputs must be computed from the queries, in the autograd graph")


@check("ex18.content", points=1, hidden=True)
def content(sub, rng):
    """With queries drawn for the run: the K outputs differ, a different query reads the
    tokens differently, and the output depends on more than the tokens' mean."""
    res = build(sub, SMALL)
    B, N, K, D = 2, 50, SMALL["num_queries"], SMALL["dim"]
    assign(res.queries, torch.randn(K, D, generator=rng))
    x = torch.randn(B, N, D, generator=rng)                                 # (B, N, D)
    y = resample(res, x, SMALL)
    gaps = torch.cdist(y, y) / (y.norm(dim=-1).mean() + 1e-12)             # (B, K, K)
    gaps = gaps + torch.eye(K)
    expect(gaps.min().item() > CHANGED,
           f"with {K} different queries, two output tokens coincide (relative distance "
           f"{gaps.min().item():.2g})", hint="output token k must come from query k")
    reflected = 2 * x.mean(1, keepdim=True) - x                             # same mean
    change = relative_change(resample(res, reflected, SMALL), y)
    expect(change > MEAN_ONLY,
           f"tokens reflected through their mean (same mean, other tokens) change the "
           f"output by only {change:.2g} (relative)",
           hint="the queries must attend to the individual tokens, not to their average")
    one = dict(SMALL, num_queries=1)
    res1 = build(sub, one)
    x = torch.randn(1, 2048, D, generator=rng) + torch.randn(D, generator=rng)
    outs = []
    for _ in range(2):
        assign(res1.queries, 2 * torch.randn(1, D, generator=rng))
        outs.append(resample(res1, x, one))
    change = relative_change(outs[0], outs[1])
    expect(change > STEERED,
           f"with one query and 2048 tokens, replacing the query changed the output by only "
           f"{change:.2g} (relative)",
           hint="the query decides which tokens it reads: softmax over the tokens (keys), "
                "not over the queries")


@check("ex18.linear_cost", points=1, hidden=True, timeout=20)
def linear_cost(sub, rng):
    """N = 262,144 tokens resample in linear memory and time: no N x N attention."""
    config = dict(dim=8, num_queries=4, num_heads=2, depth=1)
    res = build(sub, config)
    x = torch.randn(1, BIG_N, config["dim"], generator=rng)                 # (1, N, D)
    why = (f"the resampler must take N = {BIG_N:,} tokens, where an N x N attention matrix "
           f"would need {4 * BIG_N ** 2 / 2 ** 30:,.0f} GiB per head")
    try:
        y = res(x)
    except SubmissionError as e:
        raise type(e)(f"{e}; {why}: the queries must attend to the tokens, the tokens "
                      "never to each other", type_names=e.type_names, where=e.where) from None
    except SubmissionTimeout as e:
        raise SubmissionTimeout(f"{e}; {why}, and computing it tile by tile still takes "
                                "minutes: let only the K queries attend") from None
    expect_tensor(y, shape=(1, config["num_queries"], config["dim"]),
                  what=f"{label(config)} on {BIG_N:,} tokens")
