"""Checks for exercise 15 (the LLaVA projector). The structure is proved by behaviour:
the trusted side finds the two weight matrices and two biases by their shapes, writes
weights drawn for the run into them, and recomputes ``W2 gelu(W1 x + b1) + b2`` itself.
Module checks use small widths; the LLaVA-sized numbers are only counted."""
from functools import reduce

import torch
import torch.nn.functional as F

from autograder import (assign, check, expect, expect_close, expect_equal,
                        expect_tensor, gradients, parameters)

ARCH_HINT = ("LLaVA-1.5's projector is Linear(vision_dim, llm_dim) -> GELU -> "
             "Linear(llm_dim, llm_dim), both with biases")
TOKEN_HINT = ("apply the MLP to the last dimension only; nothing may pool, normalise or "
              "mix along the token or batch axes")
# exact GELU and its tanh approximation differ by at most 4.7e-4 per hidden unit; ReLU,
# SiLU or a missing activation differ by ~0.1 on the pre-activations drawn below
STRUCTURE_ATOL, STRUCTURE_RTOL = 5e-3, 1e-2


def llava_param_count(vision_dim: int, llm_dim: int) -> int:
    return (vision_dim * llm_dim + llm_dim) + (llm_dim * llm_dim + llm_dim)


def draw_dims(rng, lo=3, hi=40):
    """Two different widths (vision_dim, llm_dim), so weight shapes tell layers apart."""
    v, d = torch.randint(lo, hi + 1, (2,), generator=rng).tolist()
    return (v, d) if v != d else (v, d + 1)


def count_parameters(module) -> int:
    return sum(p["value"].numel() for p in parameters(module).values())


@check("ex15.shapes", points=0.5)
def shapes(sub, rng):
    """Projector maps (B, N, vision_dim) to (B, N, llm_dim) for many widths, B and N."""
    for v, d in [(8, 16), (16, 8), (12, 12), (5, 32)]:
        proj = sub.Projector(v, d)
        for B, N in [(2, 7), (1, 1), (3, 1), (1, 50)]:
            out = proj(torch.randn(B, N, v, generator=rng))
            expect_tensor(out, shape=(B, N, d), what=f"Projector({v}, {d}) on a "
                          f"{(B, N, v)} input", hint="every vision token becomes one LLM "
                          "token of width llm_dim")
    out = sub.Projector(4, 6)(torch.randn(1, 576, 4, generator=rng))
    expect_tensor(out, shape=(1, 576, 6), what="Projector(4, 6) on 576 tokens")


@check("ex15.param_count", points=1)
def param_count(sub):
    """projector_param_count gives LLaVA's numbers and the size of your own Projector."""
    for (v, d), want in {(1024, 4096): 20_979_712, (1024, 5120): 31_467_520}.items():
        expect_equal(sub.projector_param_count(v, d), want,
                     what=f"projector_param_count({v}, {d})",
                     hint="count both weight matrices and both bias vectors")
    for v, d in [(8, 16), (16, 8), (7, 7)]:
        expect_equal(count_parameters(sub.Projector(v, d)), llava_param_count(v, d),
                     what=f"the number of parameters of Projector({v}, {d})", hint=ARCH_HINT)
        expect_equal(sub.projector_param_count(v, d), llava_param_count(v, d),
                     what=f"projector_param_count({v}, {d})",
                     hint="it must equal the number of parameters your Projector has")


@check("ex15.param_count_drawn", points=0.5, hidden=True)
def param_count_drawn(sub, rng):
    """The count on widths drawn for this run, by formula and by the module's own size."""
    for _ in range(4):
        v, d = torch.randint(1, 8193, (2,), generator=rng).tolist()
        expect_equal(sub.projector_param_count(v, d), llava_param_count(v, d),
                     what=f"projector_param_count({v}, {d})")
    for _ in range(2):
        v, d = draw_dims(rng)
        expect_equal(count_parameters(sub.Projector(v, d)), llava_param_count(v, d),
                     what=f"the number of parameters of Projector({v}, {d})")


@check("ex15.token_wise", points=1)
def token_wise(sub, rng):
    """Tokens are mapped independently: permuting tokens permutes outputs, and changing
    one token changes its own output and no other, in its sample or another."""
    v, d, B, N = 12, 20, 3, 9
    proj = sub.Projector(v, d).eval()
    x = torch.randn(B, N, v, generator=rng)                               # (B, N, Dv)
    y = expect_tensor(proj(x), shape=(B, N, d), what=f"the output for a {(B, N, v)} input")
    perm = torch.randperm(N, generator=rng)
    expect_close(proj(x[:, perm]), y[:, perm], atol=1e-5, rtol=1e-4,
                 what="the output for tokens in permuted order", hint=TOKEN_HINT)
    x2 = x.clone()
    b, n = 1, int(torch.randint(0, N, (1,), generator=rng))
    x2[b, n] = torch.randn(v, generator=rng)
    y2 = expect_tensor(proj(x2), shape=(B, N, d), what="the output")
    others = torch.ones(B, N, dtype=torch.bool)
    others[b, n] = False
    expect_close(y2[others], y[others], atol=1e-5, rtol=1e-4,
                 what=f"after changing token {n} of sample {b}, the output of every other "
                      f"token", hint=TOKEN_HINT)
    expect(not torch.allclose(y2[b, n], y[b, n]),
           f"changing token {n} of sample {b} left its own output unchanged",
           hint="each output token must be computed from its input token")
    alone = expect_tensor(proj(x[b:b + 1, n:n + 1]), shape=(1, 1, d),
                          what="the output for that token on its own")
    expect_close(alone[0, 0], y[b, n], atol=1e-5, rtol=1e-4,
                 what="a token projected on its own versus inside the batch", hint=TOKEN_HINT)


@check("ex15.nonlinear", points=0.5)
def nonlinear(sub, rng):
    """The projector is not affine: f(a+b) != f(a)+f(b)-f(0) and f(2a) != 2f(a)-f(0)."""
    v, d, N = 10, 16, 6
    proj = sub.Projector(v, d).eval()
    a, b = torch.randn(2, N, v, generator=rng)
    curvature = 0.0
    for scale in (1.0, 10.0, 100.0):  # whatever the init, some scale reaches the bend
        xs = torch.stack([a, b, a + b, torch.zeros_like(a), 2 * a]) * scale  # (5, N, Dv)
        fa, fb, fab, f0, f2a = expect_tensor(proj(xs), shape=(5, N, d), what="the output")
        size = (fa - f0).norm() + (fb - f0).norm() + 1e-12
        additive = (fab - fa - fb + f0).norm() / size
        homogeneous = (f2a - 2 * fa + f0).norm() / size
        curvature = max(curvature, min(additive.item(), homogeneous.item()))
    expect(curvature > 0.02, f"the projector behaves like an affine map: f(a+b)-f(a)-f(b)+f(0) "
           f"and f(2a)-2f(a)+f(0) stay within {curvature:.2g} of zero, relative to the output",
           hint="two Linear layers without an activation between them collapse into one; "
                + ARCH_HINT)


@check("ex15.gradients", points=0.5)
def gradients_flow(sub, rng):
    """Gradients reach every parameter and the input features."""
    v, d, B, N = 8, 12, 2, 5
    proj = sub.Projector(v, d)
    x = torch.randn(B, N, v, generator=rng)
    params = parameters(proj)
    expect(len(params) > 0, "Projector has no parameters", hint=ARCH_HINT)
    frozen = sorted(name for name, p in params.items() if not p["requires_grad"])
    expect(not frozen, f"parameters {frozen} have requires_grad=False",
           hint="the projector is what LLaVA trains: keep all of it trainable")
    g = gradients(proj, x, wrt=(0,), cotangent=torch.randn(B, N, d, generator=rng),
                  params_of=[proj])
    expect_tensor(g["output"], shape=(B, N, d), what="the output")
    gx = g["input_grads"][0]
    expect(gx is not None and bool(gx.abs().sum() > 0),
           "the input features get no gradient",
           hint="do not detach the features or run the projector under torch.no_grad()")
    expect_tensor(gx, shape=(B, N, v), what="the gradient of the input")
    dead = sorted(name for name, grad in g["param_grads"][0].items()
                  if grad is None or not bool(torch.isfinite(grad).all())
                  or not bool(grad.abs().sum() > 0))
    expect(not dead, f"parameters {dead} get no (finite, nonzero) gradient",
           hint="every layer must stay in the autograd graph: no torch.no_grad(), "
                ".detach() or .data in forward")


def find_layers(params: dict, v: int, d: int):
    """Names of (W1, W2, [b, b]) by shape; W1 may be stored (d, v) or (v, d), and any
    weight may carry size-1 axes (a 1x1 convolution)."""
    shape = {name: tuple(s for s in p["value"].shape if s != 1) for name, p in params.items()}
    found = sorted(f"{n}: {tuple(params[n]['value'].shape)}" for n in shape)
    w1 = [n for n, s in shape.items() if s in ((d, v), (v, d))]
    w2 = [n for n, s in shape.items() if s == (d, d)]
    bias = [n for n, s in shape.items() if s == (d,)]
    expect(len(w1) == 1 and len(w2) == 1 and len(bias) == 2 and len(shape) == 4,
           f"Projector({v}, {d}) should hold a ({d}, {v}) weight, a ({d}, {d}) weight and two "
           f"({d},) biases; its parameters are {found}", hint=ARCH_HINT)
    return w1[0], w2[0], bias


def handle_at(module, name: str):
    return reduce(getattr, name.split("."), module)


@check("ex15.structure", points=1, hidden=True)
def structure(sub, rng):
    """With drawn weights written into its two layers, the Projector computes
    W2 gelu(W1 x + b1) + b2 (exact or tanh GELU) on every token."""
    v, d = draw_dims(rng, 6, 24)
    B, N = 2, 7
    proj = sub.Projector(v, d).eval()
    params = parameters(proj)
    n1, n2, (nb, nc) = find_layers(params, v, d)
    w1 = torch.randn(d, v, generator=rng) / v ** 0.5                      # (D, Dv)
    w2 = torch.randn(d, d, generator=rng) / d ** 0.5                      # (D, D)
    bb, bc = torch.randn(2, d, generator=rng) * 0.5                       # (D,) each
    stored1 = params[n1]["value"]
    as_stored = w1 if stored1.squeeze().shape == (d, v) else w1.T
    assign(handle_at(proj, n1), as_stored.reshape(stored1.shape).contiguous())
    assign(handle_at(proj, n2), w2.reshape(params[n2]["value"].shape))
    assign(handle_at(proj, nb), bb.reshape(params[nb]["value"].shape))
    assign(handle_at(proj, nc), bc.reshape(params[nc]["value"].shape))
    x = torch.randn(B, N, v, generator=rng)                               # (B, N, Dv)
    got = expect_tensor(proj(x), shape=(B, N, d), what="the output")
    xd = x.double()
    candidates = []  # the square weight may be used as W or W.T; the biases in either order
    for w in (w2, w2.T):
        for b1, b2 in ((bb, bc), (bc, bb)):
            hidden = F.gelu(xd @ w1.double().T + b1.double())             # (B, N, D)
            candidates.append(hidden @ w.double().T + b2.double())        # (B, N, D)
    errors = [((got.double() - c).abs() - STRUCTURE_RTOL * c.abs()).max().item()
              for c in candidates]
    best = candidates[min(range(len(errors)), key=errors.__getitem__)]
    expect_close(got, best, atol=STRUCTURE_ATOL, rtol=STRUCTURE_RTOL,
                 what="the output with known weights written into the two layers",
                 hint=ARCH_HINT + "; the activation is GELU (exact or tanh), applied once, "
                                  "between the layers")
