"""Checks for exercise 17 (stage 1: the projector alone, on captions).

They run the student's own stage 1 on the student's own model: a TinyVLM of exercise 16
made of the shipped TinyCLIP's ViT (N = 64 patch tokens), the student's Projector of
exercise 15 and a small kit TinyLM whose weights are drawn here. The checks that build
that model require the public checks of 15 and 16 it stands on (``REQUIRES``), so a
broken dependency reports ``blocked`` and names what to fix first.

This module ships to students without its hidden checks, so its public part holds no
working caption_labels or caption_loss: public checks compare with known values (a
model of kit probes whose logits are fixed) and with invariances; the hidden checks
compute expected labels and losses here, inside their own bodies.
"""
from functools import reduce

import mmkit
import torch
import torch.nn.functional as F

from autograder import (as_number, assign, check, describe, expect, expect_close,
                        expect_tensor, fetch, gradients, parameters)

IGNORE = -100
N = 64           # patch tokens of the shipped ViT (32 x 32 images, 4 x 4 patches)
VISION_DIM = 64  # its width
D = 32           # the drawn TinyLM's width
MAX_LEN = 128
PAD = mmkit.get_tokenizer().pad_id
REQUIRES = ("ex15.shapes", "ex15.gradients", "ex16.layout")

LABELS_HINT = ("labels line up with the sequence [N image tokens, T text tokens]: -100 at "
               "the image positions and wherever input_ids == pad_id, the input id "
               "everywhere else; do not shift them (the loss does)")
LOSS_HINT = ("compare the logits at position t with the label at t + 1 (shift once), and "
             "average the cross-entropy over the supervised labels only (ignore_index=-100)")


# ---------------------------------------------------------------------------- model


def handle_at(module, name: str):
    return reduce(getattr, name.split("."), module)


def drawn_lm(kit, rng):
    """A kit TinyLM whose matrices are drawn here at unit scale, so that the projector
    can move the loss within a few steps (the kit's 0.02 init barely reacts)."""
    lm = kit.TinyLM(kit.LMConfig(dim=D, depth=1, num_heads=2, max_len=MAX_LEN))
    for name, p in parameters(lm).items():
        value = p["value"]
        if value.dim() >= 2:
            assign(handle_at(lm, name), torch.randn(value.shape, generator=rng)
                   / value.shape[-1] ** 0.5)
    return lm


def build(subs, kit, rng):
    """(vlm, encoder, projector, llm): the student's TinyVLM of the student's Projector."""
    encoder = fetch(kit.load_clip().visual)
    projector = subs["ex15"].Projector(VISION_DIM, D)
    llm = drawn_lm(kit, rng)
    return subs["ex16"].TinyVLM(encoder, projector, llm), encoder, projector, llm


def captions(seed, batch_size, count=1):
    """``count`` caption batches of the kit, from a seed of this run, each with one more
    column of padding than it needs: every batch has padding, however long its captions."""
    stream = mmkit.caption_batches(batch_size, seed % 1_000_003)
    return [{"images": b["images"], "input_ids": with_padding(b["input_ids"], 1)}
            for b, _ in zip(stream, range(count))]


def with_padding(ids, columns, pad_id=PAD):
    return torch.cat([ids, torch.full((ids.shape[0], columns), pad_id)], dim=1)  # (B, T+columns)


# ---------------------------------------------------------------------------- helpers


def loss_of(sub, vlm, images, ids, pad_id, what="caption_loss"):
    value = sub.caption_loss(vlm, images, ids, pad_id)
    expect_tensor(value, what=what, hint="return the loss as a tensor (not .item()), so "
                                         "that it can be back-propagated")
    expect(value.numel() == 1, f"{what} should be a scalar, got shape {tuple(value.shape)}",
           hint="average over the supervised tokens")
    return as_number(value, what=what)


def right_padded(rng, B, T, pad_id, vocab=(3, 60)):
    """(B, T) random ids other than pad_id, right-padded with pad_id to drawn lengths: the
    last row is always padded and, when B > 1, the first fills the width."""
    ids = torch.randint(*vocab, (B, T), generator=rng)
    ids[ids == pad_id] = vocab[0] if pad_id != vocab[0] else vocab[0] + 1
    lengths = torch.randint(2, T + 1, (B,), generator=rng)
    lengths[0] = T
    lengths[-1] = max(2, T - 3)                             # T >= 3, so shorter than T
    ids[torch.arange(T)[None, :] >= lengths[:, None]] = pad_id
    return ids


# ---------------------------------------------------------------------------- labels


@check("ex17.labels", points=1)
def labels(sub):
    """caption_labels on constructed ids: -100 at the image positions and the padding,
    the ids (unshifted) elsewhere, for pad_id 0 and another pad_id."""
    x = IGNORE
    cases = [  # (input_ids, N, pad_id, the labels)
        ([[1, 7, 8, 9, 2], [1, 5, 2, 0, 0]], 3, 0,
         [[x, x, x, 1, 7, 8, 9, 2], [x, x, x, 1, 5, 2, x, x]]),
        ([[1, 7, 8, 9, 2], [1, 5, 2, 0, 0]], 0, 0, [[1, 7, 8, 9, 2], [1, 5, 2, x, x]]),
        ([[1, 7, 8, 9, 2], [1, 5, 2, 11, 11]], 2, 11,
         [[x, x, 1, 7, 8, 9, 2], [x, x, 1, 5, 2, x, x]]),
        ([[1, 2, 4, 4]], 1, 4, [[x, 1, 2, x, x]]),
    ]
    for ids, n, pad_id, want in cases:
        got = expect_tensor(sub.caption_labels(torch.tensor(ids), n, pad_id),
                            shape=(len(ids), n + len(ids[0])), floating=False,
                            what=f"caption_labels(ids, {n}, pad_id={pad_id})",
                            hint="one label per position of [N image tokens, T text tokens]")
        expect(got.tolist() == want, f"caption_labels({ids}, {n}, pad_id={pad_id}) should be "
               f"{want}, got {got.tolist()}", hint=LABELS_HINT)


@check("ex17.labels_drawn", points=0.5, hidden=True)
def labels_drawn(sub, rng):
    """caption_labels on right-padded ids, N and pad_id drawn for this run."""
    for i in range(3):
        B = int(torch.randint(1, 5, (1,), generator=rng))
        T = int(torch.randint(3, 12, (1,), generator=rng))
        n = int(torch.randint(1, 70, (1,), generator=rng))  # N = 0 is in ex17.labels
        pad_id = int(torch.randint(1 if i == 0 else 0, 61, (1,), generator=rng))  # one not 0
        ids = right_padded(rng, B, T, pad_id)
        what = f"caption_labels for B={B}, T={T}, N={n}, pad_id={pad_id}"
        got = expect_tensor(sub.caption_labels(ids, n, pad_id), shape=(B, n + T),
                            floating=False, what=what)
        image = torch.full((B, n), IGNORE, dtype=torch.long)
        want = torch.cat([image, ids.masked_fill(ids == pad_id, IGNORE)], dim=1)  # (B, N+T)
        bad = (got != want).nonzero().tolist()
        if bad:
            r, t = bad[0]
            expect(False, f"{what} differs at {len(bad)} position(s); the first, row {r} "
                          f"position {t}, should be {want[r, t].item()}, got {got[r, t].item()}",
                   hint=LABELS_HINT)


# ---------------------------------------------------------------------------- freezing


def same_parameters(returned, params: dict) -> bool:
    """``returned`` holds the values of ``params``, each exactly once, compared by value."""
    left = dict(params)
    for value in returned:
        hit = next((n for n, p in left.items() if isinstance(value, torch.Tensor)
                    and p["value"].shape == value.shape and torch.equal(p["value"], value)), None)
        if hit is None:
            return False
        del left[hit]
    return not left


@check("ex17.freeze", points=1, requires=REQUIRES)
def freeze(sub, subs, kit, rng):
    """freeze_for_stage1 leaves exactly the projector trainable (even from a VLM made
    trainable everywhere) and returns the projector's parameters."""
    vlm, encoder, projector, llm = build(subs, kit, rng)
    for name, p in parameters(projector).items():  # values drawn here tell them apart
        assign(handle_at(projector, name), torch.randn(p["value"].shape, generator=rng))
    for when in ("on a fresh TinyVLM", "after vlm.requires_grad_(True)"):
        if when.startswith("after"):
            vlm.requires_grad_(True)
        returned = sub.freeze_for_stage1(vlm)
        for part, handle, trainable in (("projector", projector, True),
                                        ("vision_encoder", encoder, False), ("llm", llm, False)):
            wrong = sorted(n for n, p in parameters(handle).items()
                           if p["requires_grad"] is not trainable)
            expect(not wrong, f"{when}, freeze_for_stage1 left vlm.{part} parameters "
                   f"{wrong[:3]}{' ...' if len(wrong) > 3 else ''} with "
                   f"requires_grad={not trainable}",
                   hint="stage 1 trains the projector only: set requires_grad=False on every "
                        "other parameter and True on the projector's")
        expect(isinstance(returned, (list, tuple)),
               f"freeze_for_stage1 should return a list of parameters, got {describe(returned)}",
               hint="a generator such as module.parameters() cannot be reused: make it a list")
        proj = parameters(projector)
        expect(same_parameters(returned, proj),
               f"{when}, freeze_for_stage1 returned {len(returned)} tensor(s); they should be "
               f"the projector's {len(proj)} parameters, each once",
               hint="return the projector's parameters (the ones an optimiser should update)")


@check("ex17.projector_gradient", points=1, requires=REQUIRES)
def projector_gradient(sub, subs, kit, rng, seed):
    """After freeze_for_stage1, caption_loss sends a gradient to every projector parameter
    and to nothing else: freezing is done with requires_grad, not torch.no_grad."""
    vlm, encoder, projector, llm = build(subs, kit, rng)
    sub.freeze_for_stage1(vlm)
    batch = captions(seed, 3)[0]
    loss_of(sub, vlm, batch["images"], batch["input_ids"], PAD)
    res = gradients(sub.caption_loss, vlm, batch["images"], batch["input_ids"], PAD,
                    params_of=[projector, llm, encoder])
    dead = sorted(n for n, g in res["param_grads"][0].items()
                  if g is None or not bool(torch.isfinite(g).all()) or not bool(g.abs().sum() > 0))
    expect(not dead, f"after freeze_for_stage1, the projector parameters {dead[:3]} get no "
           f"(finite, nonzero) gradient from caption_loss",
           hint="the frozen parts must be frozen with requires_grad=False, not by running "
                "them under torch.no_grad() or detaching: the gradient reaches the projector "
                "through the LLM")
    for part, grads in (("llm", res["param_grads"][1]), ("vision_encoder", res["param_grads"][2])):
        leaked = sorted(n for n, g in grads.items() if g is not None)
        expect(not leaked, f"after freeze_for_stage1, vlm.{part} parameters {leaked[:3]} still "
               f"get gradients", hint="set requires_grad=False on them")


# ---------------------------------------------------------------------------- the loss


# A model whose logits are known: the kit's EchoLM (logits = the embeddings it received,
# then zeros) with the table below, and a LinearProjector whose zero weight makes every
# image token its bias, whatever the image. KNOWN_LOSS is caption_loss on KNOWN_IDS.
KNOWN_TABLE = torch.sin(torch.arange(48.0)).reshape(12, 4) * 3         # (V=12, D=4)
KNOWN_BIAS = torch.tensor([1.5, -0.5, 0.25, 2.0])                       # (D,)
KNOWN_IDS = torch.tensor([[1, 5, 9, 3, 2, 0], [1, 7, 2, 0, 0, 0]])       # (B, T), pad 0
KNOWN_LOSS = 2.844715


@check("ex17.loss_value", points=1, requires=("ex16.layout",))
def loss_value(sub, subs, kit, rng):
    """caption_loss on a model of kit probes whose logits are fixed gives the known value."""
    projector = kit.probes.LinearProjector(VISION_DIM, 4, weight=torch.zeros(4, VISION_DIM),
                                           bias=KNOWN_BIAS)
    vlm = subs["ex16"].TinyVLM(fetch(kit.load_clip().visual), projector,
                               kit.probes.EchoLM(KNOWN_TABLE))
    images = torch.rand(2, 3, 32, 32, generator=rng)        # the image does not matter here
    got = loss_of(sub, vlm, images, KNOWN_IDS, PAD)
    expect_close(got, KNOWN_LOSS, atol=1e-4, rtol=1e-5,
                 what=f"caption_loss for input_ids {KNOWN_IDS.tolist()} (pad_id=0) on a "
                      f"model with fixed logits", hint=LOSS_HINT)


@check("ex17.loss_drawn", points=0.5, hidden=True, requires=REQUIRES)
def loss_drawn(sub, subs, kit, rng, seed):
    """caption_loss equals the mean next-token cross-entropy over the supervised caption
    tokens, computed here from the model's own logits."""
    vlm, *_ = build(subs, kit, rng)
    vlm.eval()
    for batch in captions(seed, 4, count=2):
        images, ids = batch["images"], batch["input_ids"]
        B, T = ids.shape
        logits = expect_tensor(vlm(images, ids), shape=(B, N + T, None),
                               what="the TinyVLM's logits").double()      # (B, N+T, V)
        labels = torch.cat([torch.full((B, N), IGNORE),
                            ids.masked_fill(ids == PAD, IGNORE)], dim=1)  # (B, N+T)
        want = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]),
                               labels[:, 1:].reshape(-1), ignore_index=IGNORE)
        expect_close(loss_of(sub, vlm, images, ids, PAD), want.item(), atol=1e-4, rtol=1e-4,
                     what=f"caption_loss on {B} captions", hint=LOSS_HINT)


@check("ex17.pad_invariance", points=0.5,
       requires=REQUIRES + ("ex16.image_prefix",))
def pad_invariance(sub, subs, kit, rng, seed):
    """Targets at pad positions do not move the loss: more pad columns, or another pad id
    (passed as pad_id), give the same loss."""
    vlm, *_ = build(subs, kit, rng)
    vlm.eval()
    batch = captions(seed, 4)[0]
    images, ids = batch["images"], batch["input_ids"]
    base = loss_of(sub, vlm, images, ids, PAD)
    longer = with_padding(ids, 3)
    expect_close(loss_of(sub, vlm, images, longer, PAD), base, atol=1e-5, rtol=1e-4,
                 what="caption_loss after appending 3 columns of padding",
                 hint="padding is not supervised (-100), and the mean is over supervised "
                      "tokens only")
    used = set(ids.unique().tolist())
    other = next(i for i in range(60, 2, -1) if i not in used)
    remapped = torch.where(ids == PAD, other, ids)
    expect_close(loss_of(sub, vlm, images, remapped, other), base, atol=1e-5, rtol=1e-4,
                 what=f"caption_loss with the padding written as id {other} and pad_id={other}",
                 hint="mask input_ids == pad_id (the argument), and label the image positions "
                      "-100, not with the pad id")


# ---------------------------------------------------------------------------- training


@check("ex17.steps", points=0.5, requires=REQUIRES)
def steps(sub, subs, kit, rng, seed):
    """train_stage1 returns one loss per step: 5 from a list of 2 batches (cycled), 3 from
    an endless stream; the first is caption_loss of the first batch, before any update."""
    vlm, *_ = build(subs, kit, rng)
    vlm.eval()
    data = captions(seed, 2, count=2)
    first = loss_of(sub, vlm, data[0]["images"], data[0]["input_ids"], PAD)
    for batches, count, what in ((data, 5, "a list of 2 batches"),
                                 (kit.caption_batches(2, seed % 1000), 3, "an endless stream")):
        losses = sub.train_stage1(vlm, batches, count, lr=1e-3, pad_id=PAD)
        expect(isinstance(losses, (list, tuple)) and len(losses) == count,
               f"train_stage1 with steps={count} on {what} should return {count} losses, got "
               + (f"{len(losses)}" if isinstance(losses, (list, tuple)) else describe(losses)),
               hint="take exactly `steps` batches; when the batches run out, start again from "
                    "the first (itertools.cycle)")
        values = [as_number(x, what="each loss") for x in losses]
        expect(all(v == v and abs(v) != float("inf") for v in values),
               f"train_stage1 returned non-finite losses {values}")
        if count == 5:
            expect_close(values[0], first, atol=1e-4, rtol=1e-4,
                         what="the first loss train_stage1 returned, compared with your "
                              "caption_loss of the first batch",
                         hint="each step's loss is caption_loss of that step's batch, before "
                              "the update")


def snapshot(handle):
    return {n: p["value"] for n, p in parameters(handle).items()}


@check("ex17.frozen_unchanged", points=1, requires=REQUIRES)
def frozen_unchanged(sub, subs, kit, rng, seed):
    """After train_stage1, every vision-encoder and LLM tensor is bit-identical and the
    projector has changed."""
    vlm, encoder, projector, llm = build(subs, kit, rng)
    before = {part: snapshot(h) for part, h in (("vision_encoder", encoder), ("llm", llm),
                                                ("projector", projector))}
    sub.train_stage1(vlm, captions(seed, 4, count=2), 3, lr=1e-2, pad_id=PAD)
    for part, handle in (("vision_encoder", encoder), ("llm", llm)):
        after = snapshot(handle)
        moved = sorted(n for n, v in before[part].items() if not torch.equal(after[n], v))
        expect(not moved, f"stage 1 changed vlm.{part} parameters {moved[:3]}"
               f"{' ...' if len(moved) > 3 else ''}",
               hint="only the projector learns in stage 1: freeze the rest with "
                    "freeze_for_stage1 and optimise only the parameters it returns")
    after = snapshot(projector)
    expect(any(not torch.equal(after[n], v) for n, v in before["projector"].items()),
           "after 3 steps of train_stage1 with lr=1e-2 the projector is unchanged",
           hint="zero the gradients, back-propagate the loss, then step the optimiser over "
                "the projector's parameters, once per batch")


@check("ex17.loss_falls", points=1, hidden=True,
       requires=REQUIRES + ("ex16.text_sees_image",))
def loss_falls(sub, subs, kit, rng, seed):
    """Training the projector alone lowers the caption loss: over 20 steps cycling 2 fixed
    batches, the last losses on them are clearly below the first."""
    vlm, *_ = build(subs, kit, rng)
    losses = sub.train_stage1(vlm, captions(seed, 8, count=2), 20, lr=1e-2, pad_id=PAD)
    expect(isinstance(losses, (list, tuple)) and len(losses) == 20,
           "train_stage1 with steps=20 should return 20 losses, got "
           + (f"{len(losses)}" if isinstance(losses, (list, tuple)) else describe(losses)))
    values = [as_number(x, what="each loss") for x in losses]
    start, end = (values[0] + values[1]) / 2, (values[-2] + values[-1]) / 2
    expect(end < 0.97 * start,  # AdamW falls by 20-30% here, plain SGD by 9-25%
           f"the loss on the same two batches went from {start:.4g} (steps 1-2) to "
           f"{end:.4g} (steps 19-20); it should fall by more than 3%",
           hint="each step: compute the loss, zero the gradients, backward, optimiser step")
