"""Checks for exercise 16 (the TinyVLM: frozen encoder, projector, LLM).

The submission's TinyVLM is assembled from kit parts made on its side: a small random
ViT of the kit (24 x 24 images, so N = 36 rather than the shipped 64), the kit's
``probes.LinearProjector`` (so these checks do not depend on exercise 15), and either
``probes.EchoLM``, whose logits read back exactly the embeddings the LLM received, or
a small ``TinyLM`` with weights drawn here, for the causal-sequence properties.
"""
from functools import reduce

import mmkit
import torch

from autograder import (assign, check, expect, expect_close, expect_tensor, fetch,
                        gradients, parameters)

IMAGE, PATCH = 24, 4
N = (IMAGE // PATCH) ** 2  # 36 patch tokens
DV, D = 24, 16             # encoder width, LLM width
VOCAB = 40                 # EchoLM's vocabulary (V >= D); ids are drawn below it
MAX_LEN = 128              # positions of the drawn TinyLMs: 64 image tokens + a caption
UNCHANGED = 1e-4           # a logit that must not react moves by at most this (float noise)
CHANGED = 1e-3             # a logit that must react moves by more than this (the LMs drawn
                           # below move it by 0.05 or more)

ORDER_HINT = ("the LLM reads one sequence: the N projected patch tokens first, then the "
              "token embeddings llm.embed(input_ids), through llm.forward_embeds")
CLS_HINT = ("the encoder returns (B, 1+N, Dv) with CLS first: drop token 0 and project "
            "the N patch features")


# ---------------------------------------------------------------------------- parts


def encoder(kit):
    """A small random ViT of the kit, (B, 3, 24, 24) -> (B, 1+36, 24), CLS first."""
    return kit.clip.VisionTransformer(image_size=IMAGE, patch_size=PATCH, dim=DV, depth=1,
                                      num_heads=2, mlp_ratio=2.0)


def echo_lm(kit, rng):
    table = torch.randn(VOCAB, D, generator=rng)                          # (V, D)
    return kit.probes.EchoLM(table), table


def handle_at(module, name: str):
    return reduce(getattr, name.split("."), module)


def drawn_lm(kit, rng, dim=D):
    """A TinyLM whose matrices are drawn here at unit scale (the kit's 0.02 init would make
    every effect tiny), so that what should react reacts clearly."""
    lm = kit.TinyLM(kit.LMConfig(dim=dim, depth=1, num_heads=2, max_len=MAX_LEN))
    for name, p in parameters(lm).items():
        value = p["value"]
        if value.dim() >= 2:
            assign(handle_at(lm, name), torch.randn(value.shape, generator=rng)
                   / value.shape[-1] ** 0.5)
    return lm


def build(sub, kit, lm):
    enc, proj = encoder(kit), kit.probes.LinearProjector(DV, D)
    return sub.TinyVLM(enc, proj, lm), enc, proj


def draw_images(rng, B):
    return torch.rand(B, 3, IMAGE, IMAGE, generator=rng)                 # (B, 3, H, W)


def draw_ids(rng, B, T):
    return torch.randint(3, VOCAB, (B, T), generator=rng)                # (B, T)


def logits_of(vlm, images, ids, V):
    B, T = ids.shape
    return expect_tensor(vlm(images, ids), shape=(B, N + T, V),
                         what=f"vlm(images, input_ids) for B={B}, N={N} patches, T={T}",
                         hint="one logit vector per position of [N image tokens, T text "
                              "tokens]; " + ORDER_HINT)


def change(a, b):
    """(B, L): the largest change of each position's logits."""
    return (a - b).abs().amax(dim=-1)


# ---------------------------------------------------------------------------- checks


@check("ex16.image_tokens", points=1)
def image_tokens(sub, kit, rng):
    """image_tokens gives the projector's output on the encoder's patch features, CLS dropped."""
    lm, _ = echo_lm(kit, rng)
    vlm, enc, proj = build(sub, kit, lm)
    vlm.eval()
    for B in (2, 1):
        images = draw_images(rng, B)
        features = expect_tensor(enc(images), shape=(B, 1 + N, DV), what="the encoder's output")
        want = expect_tensor(proj(features[:, 1:]), shape=(B, N, D), what="the projector's output")
        got = expect_tensor(vlm.image_tokens(images), shape=(B, N, D),
                            what=f"image_tokens of {B} image(s) with {N} patches",
                            hint=CLS_HINT)
        expect_close(got, want, atol=1e-5, rtol=1e-4,
                     what="image_tokens compared with projector(encoder(images)[:, 1:])",
                     hint=CLS_HINT)


@check("ex16.layout", points=1.5)
def layout(sub, kit, rng):
    """forward feeds the LLM [projected patch tokens, token embeddings of the ids], in that
    order: read back through an LLM whose logits echo its input embeddings."""
    lm, table = echo_lm(kit, rng)
    vlm, enc, proj = build(sub, kit, lm)
    vlm.eval()
    for B, T in ((2, 7), (1, 1), (3, 12)):
        images, ids = draw_images(rng, B), draw_ids(rng, B, T)
        seq = logits_of(vlm, images, ids, VOCAB)[..., :D]                  # (B, N+T, D)
        patches = proj(enc(images)[:, 1:])                                 # (B, N, D)
        expect_close(seq[:, :N], patches, atol=1e-5, rtol=1e-4,
                     what=f"the embeddings the LLM received at the first N={N} positions",
                     hint="they should be the projected patch features (CLS dropped); "
                          + ORDER_HINT)
        expect_close(seq[:, N:], table[ids], atol=1e-5, rtol=1e-4,
                     what=f"the embeddings the LLM received at the last T={T} positions",
                     hint="they should be llm.embed(input_ids), unchanged (the LLM adds "
                          "positions itself); " + ORDER_HINT)


@check("ex16.image_prefix", points=1)
def image_prefix(sub, kit, rng):
    """The LLM stays causal over [image, text]: changing text token j leaves the logits at
    the image slots and at text positions before j unchanged, and changes position j."""
    vlm, _, _ = build(sub, kit, drawn_lm(kit, rng))
    vlm.eval()
    B, T = 2, 8
    images, ids = draw_images(rng, B), draw_ids(rng, B, T)
    out = logits_of(vlm, images, ids, mmkit.LMConfig().vocab_size)
    for j in (int(torch.randint(1, T, (1,), generator=rng)), 0):
        edited = ids.clone()
        edited[:, j] = 3 + (ids[:, j] - 3 + 1 + j) % (VOCAB - 3)       # another word id
        moved = change(logits_of(vlm, images, edited, out.shape[-1]), out)  # (B, N+T)
        before = moved[:, :N + j].max().item()
        expect(before <= UNCHANGED,
               f"changing text token {j} changed the logits at earlier positions (the image "
               f"slots or text tokens before it) by up to {before:.3g}",
               hint="the image tokens come first and the LLM is causal, so nothing before a "
                    "text token may depend on it; " + ORDER_HINT)
        own = moved[:, N + j].min().item()
        expect(own > CHANGED,
               f"changing text token {j} changed the logits at its own position N+{j} by only "
               f"{own:.3g}", hint=ORDER_HINT)


@check("ex16.text_sees_image", points=1)
def text_sees_image(sub, kit, rng):
    """Changing an image changes the logits at every text position of its own sample, and
    nothing in the other samples."""
    vlm, _, _ = build(sub, kit, drawn_lm(kit, rng))
    vlm.eval()
    B, T = 3, 6
    images, ids = draw_images(rng, B), draw_ids(rng, B, T)
    out = logits_of(vlm, images, ids, mmkit.LMConfig().vocab_size)
    other = images.clone()
    other[0] = torch.rand(3, IMAGE, IMAGE, generator=rng)
    moved = change(logits_of(vlm, other, ids, out.shape[-1]), out)       # (B, N+T)
    text = moved[0, N:].min().item()
    expect(text > CHANGED,
           f"changing the image moved the logits at some text position by only {text:.3g}",
           hint="the text logits must come from the same LLM pass as the image tokens, "
                "so that the text attends to the image: " + ORDER_HINT)
    rest = moved[1:].max().item()
    expect(rest <= UNCHANGED, f"changing image 0 changed the logits of other samples by {rest:.3g}",
           hint="every sample's sequence is its own image followed by its own text")


@check("ex16.encoder_frozen", points=1)
def encoder_frozen(sub, kit, rng):
    """The encoder's parameters have requires_grad=False and get no gradient; the
    projector's get one."""
    vlm, _, _ = build(sub, kit, drawn_lm(kit, rng))
    enc, proj = fetch(vlm.vision_encoder), fetch(vlm.projector)
    trainable = sorted(n for n, p in parameters(enc).items() if p["requires_grad"])
    expect(not trainable, f"vision_encoder parameters {trainable[:3]}"
           f"{' ...' if len(trainable) > 3 else ''} still have requires_grad=True",
           hint="freeze the encoder in __init__: requires_grad_(False) on it")
    B, T = 2, 5
    images, ids = draw_images(rng, B), draw_ids(rng, B, T)
    V = mmkit.LMConfig().vocab_size
    logits_of(vlm, images, ids, V)
    res = gradients(vlm, images, ids, cotangent=torch.randn(B, N + T, V, generator=rng),
                    params_of=[enc, proj])
    expect_tensor(res["output"], shape=(B, N + T, V), what="the logits")
    leaked = sorted(n for n, g in res["param_grads"][0].items()
                    if g is not None and bool(g.abs().sum() > 0))
    expect(not leaked, f"the encoder parameters {leaked[:3]} got a gradient",
           hint="the encoder is frozen")
    dead = sorted(n for n, g in res["param_grads"][1].items()
                  if g is None or not bool(torch.isfinite(g).all()) or not bool(g.abs().sum() > 0))
    expect(bool(res["param_grads"][1]) and not dead,
           f"the projector parameters {dead} got no (finite, nonzero) gradient",
           hint="only the encoder may run without gradients: keep the projector out of "
                "torch.no_grad() and do not detach its output")


@check("ex16.encoder_eval", points=0.5)
def encoder_eval(sub, kit, rng):
    """After vlm.train() the encoder and every module inside it are in eval mode, while the
    projector and the LLM train; vlm.eval() puts everything in eval mode."""
    lm, _ = echo_lm(kit, rng)
    vlm, _, _ = build(sub, kit, lm)
    inner = [name for name, _ in mmkit.clip.VisionTransformer(
        image_size=IMAGE, patch_size=PATCH, dim=DV, depth=1, num_heads=2,
        mlp_ratio=2.0).named_modules()]                                    # "" is the encoder
    hint = ("nn.Module.train() sets every submodule's mode: override train(mode) in TinyVLM "
            "so that, after the usual call, the whole encoder goes back to eval mode")
    steps = (("TinyVLM(...)", None, True), ("vlm.train()", lambda: vlm.train(), True),
             ("vlm.eval()", lambda: vlm.eval(), False),
             ("vlm.train(True)", lambda: vlm.train(True), True))
    for step, call, training in steps:
        if call is not None:
            call()
        still = [n or "vision_encoder" for n in inner
                 if fetch(handle_at(vlm.vision_encoder, n + ".training" if n else "training"))]
        expect(not still, f"after {step}, parts of the encoder are in training mode: "
               f"{', '.join(still[:3])}{', ...' if len(still) > 3 else ''}", hint=hint)
        if call is None:
            continue  # a fresh VLM's own parts are in whatever mode they came in
        for part in ("projector", "llm"):
            mode = fetch(handle_at(vlm, part + ".training"))
            expect(mode is training,
                   f"after {step}, vlm.{part}.training is {mode}; it should be {training}",
                   hint="only the encoder is kept in eval mode; train(mode) must still set "
                        "the other parts' mode")


# ---------------------------------------------------------------------------- hidden


def trusted_lm(lm_handle, dim):
    """A copy, in this process, of a kit TinyLM on the submission's side."""
    copy = mmkit.TinyLM(mmkit.LMConfig(dim=dim, depth=1, num_heads=2, max_len=MAX_LEN))
    copy.load_state_dict({n: p["value"] for n, p in parameters(lm_handle).items()})
    return copy.eval()


@check("ex16.shipped_encoder", points=1, hidden=True)
def shipped_encoder(sub, kit, rng, seed):
    """With the shipped TinyCLIP's ViT (N = 64) and a TinyLM on captions of the kit, the
    logits equal those computed here from the same parts."""
    dim = 32
    lm = drawn_lm(kit, rng, dim)
    proj = kit.probes.LinearProjector(64, dim)
    clip = kit.load_clip()
    vlm = sub.TinyVLM(fetch(clip.visual), proj, lm)
    vlm.train()  # the encoder stays in eval; nothing here has dropout
    batch = next(mmkit.caption_batches(3, seed % 100_000))
    images, ids = batch["images"], batch["input_ids"]                     # (B, 3, 32, 32), (B, T)
    B, T = ids.shape
    with torch.no_grad():
        features = mmkit.load_clip().visual(images)                       # (B, 1+64, 64)
        image_embeds = proj(features[:, 1:])                              # (B, 64, dim)
        llm = trusted_lm(lm, dim)
        want = llm.forward_embeds(torch.cat([image_embeds, llm.embed(ids)], dim=1))
    got = expect_tensor(vlm(images, ids), shape=(B, 64 + T, llm.vocab_size),
                        what="the logits with the shipped encoder (N = 64)")
    expect_close(got, want, atol=1e-4, rtol=1e-4,
                 what="the logits with the shipped encoder and a TinyLM",
                 hint=CLS_HINT + "; " + ORDER_HINT)
