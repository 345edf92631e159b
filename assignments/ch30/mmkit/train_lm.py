"""Reproduce the shipped TinyLM weights: next-token prediction on shapes-world text.

    python -m mmkit.train_lm [--steps N] [--out PATH]

The text is the shapes world's only: the training-split captions that `caption_batches`
yields and the question/answer pairs that `qa_batches` yields (the same sentences, drawn
from the same per-scene seeds, without rendering the images), as documents

    [bos] caption [eos]                (exactly caption_batches' input_ids rows)
    [bos] question answer [eos]

concatenated into one stream and cut into rows of `max_len + 1` tokens, so every
position 0 .. max_len-1 is trained (a VLM puts its text after 64 image tokens) and a
document may start anywhere. Trains on CPU (2 threads, a few minutes) from fixed seeds,
measures next-token cross-entropy on held-out ("eval" split) captions and answers, then
writes the weights (float32 state_dict) and records their sha256, the config, the
training settings and the losses in `manifest.json` next to them (key "tiny_lm"; the
other entries are kept). Re-running on the same machine and torch version gives the
same bytes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import random
import time
from collections.abc import Iterator
from pathlib import Path

import torch
import torch.nn.functional as F

from .data import _rng, pad_right
from .grammar import CATEGORIES, CATEGORY_KIND, caption, question_answer
from .lm import LMConfig, TinyLM
from .tokenizer import get_tokenizer
from .weights import DEFAULT_LM_WEIGHTS, MANIFEST_NAME, sha256_of
from .world import sample_scene

# Share of each document kind in the training stream.
MIXTURE = {"caption": 0.5, "qa": 0.5}


# ------------------------------------------------------------------------------ text


def caption_text(split: str, seed: int, index: int) -> str:
    """The caption of example `index` of `caption_batches(..., seed, split=split)`."""
    rng = _rng(split, "caption", seed, index)
    return caption(sample_scene(rng), rng)


def qa_text(split: str, seed: int, index: int, categories=CATEGORIES) -> tuple[str, str, str]:
    """(category, question, answer) of example `index` of `qa_batches(..., seed)` (split "train")
    or of `qa_eval_set(n, seed)` (split "eval", categories taking turns)."""
    rng = _rng(split, "qa", seed, index)
    category = rng.choice(categories) if split == "train" else categories[index % len(categories)]
    return (category, *question_answer(sample_scene(rng, CATEGORY_KIND[category]), category))


def document(kind: str, split: str, seed: int, index: int) -> list[int]:
    """The token ids of one document of `kind` ("caption" or "qa")."""
    tok = get_tokenizer()
    bos, eos = [tok.bos_id], [tok.eos_id]
    if kind == "caption":
        return bos + tok.encode(caption_text(split, seed, index)) + eos
    if kind == "qa":
        _, question, answer = qa_text(split, seed, index)
        return bos + tok.encode(question) + tok.encode(answer) + eos
    raise ValueError(f"kind must be one of {tuple(MIXTURE)}, got {kind!r}")


def token_rows(rows: int, length: int, seed: int, split: str = "train") -> Iterator[torch.Tensor]:
    """Endless iterator of `(rows, length)` long batches cut from one stream of documents.

    Document kinds are drawn by MIXTURE from `random.Random(seed)`; each kind takes its
    examples in order (index 0, 1, ...), so the stream is a pure function of the seed.
    """
    kinds, weights = zip(*MIXTURE.items())
    pick = random.Random(seed)
    next_index = dict.fromkeys(kinds, 0)
    buffer: list[int] = []
    while True:
        while len(buffer) < rows * length:
            kind = pick.choices(kinds, weights)[0]
            buffer += document(kind, split, seed, next_index[kind])
            next_index[kind] += 1
        chunk, buffer = buffer[: rows * length], buffer[rows * length :]
        yield torch.tensor(chunk, dtype=torch.long).view(rows, length)  # (rows, length)


# ------------------------------------------------------------------------------ losses


def lm_loss(model: TinyLM, input_ids: torch.Tensor, ignore_id: int | None = None) -> torch.Tensor:
    """Mean next-token cross-entropy of `input_ids (B, T)`; targets equal to `ignore_id` skipped."""
    logits = model(input_ids[:, :-1])  # (B, T-1, V)
    targets = input_ids[:, 1:].clone()  # (B, T-1)
    if ignore_id is not None:
        targets[targets == ignore_id] = -100
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)


@torch.no_grad()
def eval_losses(model: TinyLM, n: int = 400, seed: int = 0) -> dict:
    """Held-out next-token cross-entropy (nats): eval-split captions at position 0 and after
    64 positions of other text, and the answer tokens (answer words and eos) of eval-split
    questions given `[bos] question`."""
    tok = get_tokenizer()
    captions = pad_right(
        [[tok.bos_id] + tok.encode(caption_text("eval", seed, i)) + [tok.eos_id] for i in range(n)],
        tok.pad_id,
    )  # (n, T)
    at_start = lm_loss(model, captions, ignore_id=tok.pad_id).item()
    prefix = next(token_rows(n, 64, seed + 1, split="eval"))  # (n, 64) other held-out text
    shifted = torch.cat([prefix, captions], dim=1)  # (n, 64 + T)
    logits = model(shifted[:, :-1])[:, 63:]  # (n, T, V): the predictions of captions[:, 0:]
    targets = captions.masked_fill(captions == tok.pad_id, -100)
    after_64 = F.cross_entropy(logits[:, 1:].reshape(-1, logits.shape[-1]), targets[:, 1:].reshape(-1),
                               ignore_index=-100).item()  # fmt: skip

    rows, masks = [], []
    for i in range(n):
        _, question, answer = qa_text("eval", seed, i)
        prompt, reply = [tok.bos_id] + tok.encode(question), tok.encode(answer) + [tok.eos_id]
        rows.append(prompt + reply)
        masks.append([0] * len(prompt) + [1] * len(reply))
    ids, supervised = pad_right(rows, tok.pad_id), pad_right(masks, 0).bool()  # (n, T) each
    targets = ids.masked_fill(~supervised, -100)[:, 1:]  # (n, T-1)
    logits = model(ids[:, :-1])  # (n, T-1, V)
    answers = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
    return {"caption": round(at_start, 4), "caption_after_64": round(after_64, 4),
            "qa_answer": round(answers.item(), 4), "n": n}  # fmt: skip


# ------------------------------------------------------------------------------ training


def _lr_at(step: int, steps: int, lr: float, warmup: int) -> float:
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def train(*, steps: int, batch_size: int, lr: float, seed: int, log_every: int = 100):
    """Train a fresh TinyLM; returns (model in eval mode, list of per-step losses)."""
    torch.manual_seed(seed)
    model = TinyLM(LMConfig())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}], lr=lr
    )
    batches = token_rows(batch_size, model.max_len + 1, seed)  # +1: targets of the last position
    losses = []
    model.train()
    for step in range(steps):
        batch = next(batches)  # (B, max_len + 1)
        for group in opt.param_groups:
            group["lr"] = _lr_at(step, steps, lr, warmup=min(100, steps // 10 + 1))
        loss = lm_loss(model, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if log_every and (step % log_every == 0 or step == steps - 1):
            print(f"step {step:5d}  loss {loss.item():.4f}")
    return model.eval(), losses


def write_manifest(manifest_path: Path, entry: dict, key: str = "tiny_lm") -> None:
    """Set `manifest[key] = entry`, keeping the other models' entries."""
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest[key] = entry
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def main(*, steps: int = 300, batch_size: int = 16, lr: float = 3e-3, seed: int = 0,
         out: Path = DEFAULT_LM_WEIGHTS, eval_n: int = 400) -> dict:
    torch.set_num_threads(2)
    start = time.time()
    model, losses = train(steps=steps, batch_size=batch_size, lr=lr, seed=seed)
    seconds = time.time() - start
    held_out = eval_losses(model, n=eval_n)
    for name in ("caption", "caption_after_64", "qa_answer"):
        print(f"held-out {name:17s} cross-entropy {held_out[name]:.4f}  perplexity {math.exp(held_out[name]):.2f}")

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    torch.save(state, out)
    final_loss = sum(losses[-50:]) / len(losses[-50:])
    entry = {
        "file": out.name,
        "sha256": sha256_of(out),
        "bytes": out.stat().st_size,
        "config": dataclasses.asdict(model.config),
        "parameters": sum(p.numel() for p in model.parameters()),
        "training": {
            "steps": steps, "batch_size": batch_size, "seq_len": model.max_len, "lr": lr,
            "seed": seed, "mixture": MIXTURE, "seconds": round(seconds, 1),
            "threads": torch.get_num_threads(), "torch": torch.__version__,
            "final_loss": round(final_loss, 4), "final_perplexity": round(math.exp(final_loss), 3),
        },  # fmt: skip
        "held_out_cross_entropy": held_out,
    }
    write_manifest(out.parent / MANIFEST_NAME, entry)
    print(f"trained {steps} steps in {seconds:.0f} s (final loss {final_loss:.4f}); "
          f"wrote {out} ({entry['bytes']} bytes)")  # fmt: skip
    return entry


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mmkit.train_lm", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_LM_WEIGHTS)
    args = parser.parse_args(argv)
    main(steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed, out=args.out)


if __name__ == "__main__":
    cli()
