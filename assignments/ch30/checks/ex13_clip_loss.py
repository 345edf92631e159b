"""Checks for exercise 13 (CLIP contrastive loss). Public checks use known values on
constructed inputs; hidden ones compare with the reference on inputs drawn for the run
and test properties every correct loss has: invariances and what gradient descent does.

The temperature is always passed positionally: its parameter name is the student's."""
import math

import torch

from autograder import (as_number, check, describe, expect, expect_close, expect_tensor,
                        gradients)

LOSS_HINT = ("average two cross-entropies with targets arange(B): image->text over "
             "logits_per_image and text->image over logits_per_text, each a mean over the batch")
LOGITS_HINT = ("L2-normalise every embedding along its last dimension, then divide the "
               "cosine similarities by the temperature")
ONE_SIDED = {"image->text": 0.693147, "text->image": 2.860435}  # exercises-facts.md (run)


def scaled_rows(rng, B, D, lo=0.3, hi=4.0):
    """``(B, D)`` random embeddings whose rows have different norms."""
    x = torch.randn(B, D, generator=rng)
    return x * (lo + (hi - lo) * torch.rand(B, 1, generator=rng))  # (B, D)


def loss_value(value, what):
    """The loss as a float; a plain number passes here (ex13.scalar_differentiable
    insists on a tensor), a tensor of several values does not."""
    if isinstance(value, torch.Tensor):
        expect(value.numel() == 1, f"{what} should be a scalar, got shape {tuple(value.shape)}",
               "reduce both cross-entropies to their mean over the batch")
    return as_number(value, what=what)


def similarities(img, txt):
    """Mean cosine of matched pairs (the diagonal) and of mismatched ones."""
    s = torch.nn.functional.normalize(img, dim=-1) @ torch.nn.functional.normalize(txt, dim=-1).T
    off = ~torch.eye(s.shape[0], dtype=torch.bool)
    return s.diagonal().mean().item(), s[off].mean().item()


@check("ex13.logits", points=1)
def logits(sub, rng):
    """clip_logits gives two (B, B) matrices: scaled cosine similarities and their transpose."""
    B, D = 5, 8                                      # B != D: the two dimensions stay apart
    img, txt = scaled_rows(rng, B, D), scaled_rows(rng, B, D)
    for temperature in (None, 0.5):
        args = (img, txt) if temperature is None else (img, txt, temperature)
        label = "clip_logits(img, txt" + ("" if temperature is None else f", {temperature}") + ")"
        out = sub.clip_logits(*args)
        expect(isinstance(out, (tuple, list)) and len(out) == 2,
               f"{label} should return a pair (logits_per_image, logits_per_text), got "
               f"{describe(out)}", "return both matrices as a tuple")
        per_image = expect_tensor(out[0], shape=(B, B), what=f"logits_per_image of {label}",
                                  hint="every image against every text: (B, D) @ (D, B)")
        per_text = expect_tensor(out[1], shape=(B, B), what=f"logits_per_text of {label}")
        t = 0.07 if temperature is None else temperature
        want = (img / img.norm(dim=-1, keepdim=True)) @ (txt / txt.norm(dim=-1, keepdim=True)).T / t
        expect_close(per_image, want, atol=1e-4, rtol=1e-4,
                     what=f"logits_per_image of {label} on rows of different norms"
                          + ("" if temperature else " (default temperature 0.07)"),
                     hint=LOGITS_HINT)
        expect_close(per_text, want.T, atol=1e-4, rtol=1e-4, what=f"logits_per_text of {label}",
                     hint="row j of logits_per_text is text j scored against every image")


@check("ex13.known_values", points=1)
def known_values(sub, rng):
    """Matched orthonormal pairs give ln(1 + (B-1) e^(-1/t)), identical embeddings ln B,
    and a batch of one pair 0."""
    B, D = 4, 8
    q, _ = torch.linalg.qr(torch.randn(D, D, generator=rng))
    pairs = q.T[:B].contiguous()                                   # (B, D) orthonormal rows
    for temperature in (None, 1.0):
        t = 0.07 if temperature is None else temperature
        args = (pairs, pairs) if temperature is None else (pairs, pairs, temperature)
        got = loss_value(sub.clip_loss(*args), f"the loss on {B} matched orthonormal pairs")
        expect_close(got, math.log(1 + (B - 1) * math.exp(-1 / t)), atol=1e-5, rtol=1e-4,
                     what=f"the loss on {B} matched orthonormal pairs at temperature {t}",
                     hint="logits are cosine similarities divided by the temperature, and "
                          "row i's target is column i")
    B = 5
    same = torch.randn(1, D, generator=rng).expand(B, D).contiguous()  # (B, D), identical rows
    got = loss_value(sub.clip_loss(same, same, 0.1), f"the loss on {B} identical embeddings")
    expect_close(got, math.log(B), atol=1e-4, rtol=1e-4,
                 what=f"the loss on {B} identical embeddings (every logit equal)",
                 hint="each cross-entropy is a mean over the batch, not a sum")
    one = scaled_rows(rng, 1, D), scaled_rows(rng, 1, D)
    got = loss_value(sub.clip_loss(*one, 0.07), "the loss on a batch of one pair")
    expect_close(got, 0.0, atol=1e-5, rtol=0, what="the loss on a batch of one pair",
                 hint="with one pair there is nothing to confuse it with")


@check("ex13.asymmetric", points=1)
def asymmetric(sub):
    """On a batch where image->text and text->image differ, the loss averages both."""
    img = torch.tensor([[1.0, 0.0], [0.6, 0.8]])
    txt = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
    got = loss_value(sub.clip_loss(img, txt, 0.07), "the loss on the asymmetric batch")
    hint = LOSS_HINT
    for name, value in ONE_SIDED.items():
        if abs(got - value) < 2e-5:
            hint = f"that is the {name} cross-entropy alone; " + LOSS_HINT
    expect_close(got, 1.776791, atol=1e-4, rtol=0,
                 what="the loss on I=[[1,0],[.6,.8]], T=[[1,0],[1,0]] at temperature 0.07",
                 hint=hint)


@check("ex13.scalar_differentiable", points=0.5)
def scalar_differentiable(sub, rng):
    """The loss is a one-element float tensor with gradients for both embeddings."""
    img, txt = scaled_rows(rng, 6, 10), scaled_rows(rng, 6, 10)
    loss = expect_tensor(sub.clip_loss(img, txt, 0.1), what="clip_loss(img, txt, 0.1)",
                         hint="return a torch tensor the optimiser can backpropagate through "
                              "(no .item(), no float())")
    expect(loss.numel() == 1,
           f"clip_loss should return a scalar (0-d or 1-element) tensor, got shape "
           f"{tuple(loss.shape)}", "reduce each cross-entropy to its mean over the batch")
    res = gradients(sub.clip_loss, img, txt, 0.1, wrt=(0, 1))
    for name, g in zip(("image_emb", "text_emb"), res["input_grads"]):
        expect(g is not None, f"the loss has no gradient with respect to {name}",
               "keep the computation in torch, from the inputs to the returned tensor "
               "(no .item(), .detach(), numpy or torch.no_grad())")
        expect_tensor(g, shape=(6, 10), what=f"the gradient with respect to {name}")
        expect(g.abs().sum().item() > 0, f"the gradient with respect to {name} is all zeros",
               "the loss must depend on both embeddings")


@check("ex13.temperature", points=0.5, hidden=True)
def temperature(sub, ref, rng):
    """The temperature argument is used as the formula says; the default is 0.07."""
    B, D = 6, 12
    img, txt = scaled_rows(rng, B, D), scaled_rows(rng, B, D)
    default = loss_value(sub.clip_loss(img, txt), "clip_loss(img, txt)")
    explicit = loss_value(sub.clip_loss(img, txt, 0.07), "clip_loss(img, txt, 0.07)")
    expect_close(default, explicit, atol=1e-6, rtol=1e-6,
                 what="the loss at the default temperature, against passing 0.07",
                 hint="the default temperature is 0.07")
    for lo, hi in ((0.02, 0.2), (0.3, 3.0)):
        t = lo + (hi - lo) * torch.rand((), generator=rng).item()
        got = loss_value(sub.clip_loss(img, txt, t), f"clip_loss(img, txt, {t:.4g})")
        expect_close(got, as_number(ref.clip_loss(img, txt, t)), atol=1e-4, rtol=1e-4,
                     what=f"the loss at temperature {t:.4g}",
                     hint="the logits are the cosine similarities divided by the temperature "
                          "you are given; " + LOSS_HINT)


@check("ex13.matches_reference", points=1, hidden=True)
def matches_reference(sub, ref, rng):
    """The loss equals the reference's on drawn batches of several sizes."""
    for B, D in ((2, 3), (7, 5), (16, 32)):
        img, txt = scaled_rows(rng, B, D), scaled_rows(rng, B, D)
        t = 0.05 + 0.5 * torch.rand((), generator=rng).item()
        got = loss_value(sub.clip_loss(img, txt, t), f"clip_loss on a ({B}, {D}) batch")
        expect_close(got, as_number(ref.clip_loss(img, txt, t)), atol=1e-4, rtol=1e-4,
                     what=f"the loss on a drawn ({B}, {D}) batch at temperature {t:.3g}",
                     hint=LOSS_HINT)


@check("ex13.invariances", points=1, hidden=True)
def invariances(sub, rng):
    """Rescaling rows, swapping image and text, and permuting pairs leave the loss unchanged."""
    B, D, t = 6, 8, 0.2
    img, txt = scaled_rows(rng, B, D), scaled_rows(rng, B, D)
    txt[1] = txt[0] + 0.3 * torch.randn(D, generator=rng)   # two close texts: directions differ
    base = loss_value(sub.clip_loss(img, txt, t), "the loss on a drawn batch")

    def same(got, what, hint):
        expect_close(loss_value(got, what), base, atol=1e-4, rtol=1e-4, what=what, hint=hint)

    a = 0.1 + 5 * torch.rand(B, 1, generator=rng)                # (B, 1) positive scales
    b = 0.1 + 5 * torch.rand(B, 1, generator=rng)
    same(sub.clip_loss(img * a, txt * b, t), "the loss after scaling each embedding by a "
         "positive factor", "only directions matter: normalise each embedding (its last dim)")
    same(sub.clip_loss(txt, img, t), "the loss with images and texts swapped",
         "the loss is symmetric: count both directions equally")
    perm = torch.randperm(B, generator=rng)
    if perm[0] == 0:                                             # move pair 0 somewhere else
        perm = torch.roll(perm, 1)
    same(sub.clip_loss(img[perm], txt[perm], t), "the loss with the pairs reordered",
         "pair i's target is its own index i, whatever the order of the pairs")


@check("ex13.gradient_descent", points=1, hidden=True)
def gradient_descent(sub, rng):
    """Descending the submitted loss pulls matched pairs together and pushes others apart."""
    B, D, steps, lr = 6, 16, 20, 1.0
    img, txt = torch.randn(B, D, generator=rng), torch.randn(B, D, generator=rng)
    matched0, mismatched0 = similarities(img, txt)
    expect_tensor(sub.clip_loss(img, txt, 0.07), what="clip_loss(img, txt, 0.07)",
                  hint="return a torch tensor the optimiser can backpropagate through")
    for _ in range(steps):
        res = gradients(sub.clip_loss, img, txt, 0.07, wrt=(0, 1))
        g_img, g_txt = res["input_grads"]
        expect(g_img is not None and g_txt is not None,
               "the loss has no gradient with respect to the embeddings",
               "keep the loss a differentiable torch computation")
        expect_tensor(g_img, shape=(B, D), what="the gradient with respect to image_emb")
        expect_tensor(g_txt, shape=(B, D), what="the gradient with respect to text_emb")
        img, txt = img - lr * g_img, txt - lr * g_txt
    matched, mismatched = similarities(img, txt)
    expect(matched > matched0 + 0.1,
           f"after {steps} gradient steps on the loss the mean cosine of matched pairs went "
           f"from {matched0:.3f} to {matched:.3f}; it should rise clearly", LOSS_HINT)
    expect(mismatched < mismatched0 - 0.01,
           f"after {steps} gradient steps on the loss the mean cosine of mismatched pairs went "
           f"from {mismatched0:.3f} to {mismatched:.3f}; it should fall", LOSS_HINT)
