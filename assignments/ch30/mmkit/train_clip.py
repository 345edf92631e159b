"""Reproduce the shipped TinyCLIP weights: contrastive training on shapes-world captions.

    python -m mmkit.train_clip [--steps N] [--out PATH]

Trains on CPU (2 threads, a few minutes) from fixed seeds, measures zero-shot accuracy
on held-out scenes, then writes the weights (float32 state_dict) and records their
sha256, the config, the training settings and the accuracies in `manifest.json` next
to them. Re-running on the same machine and torch version gives the same bytes.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from .clip import CLIPConfig, TinyCLIP
from .data import caption_batches, classification_set
from .weights import DEFAULT_WEIGHTS, MANIFEST_NAME, sha256_of

# Prompts that the caption grammar makes in-distribution, one per probed attribute.
EVAL_TEMPLATES = {
    "shape": "a photo of a {}.",
    "color": "a photo of a {} shape.",
}


def contrastive_loss(logits_per_image: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
    """Symmetric InfoNCE over a batch of B pairs, `logits_per_image (B, B)`.

    Short captions repeat within a batch ("a red shape." can describe many images), so a
    row's target spreads evenly over every pair carrying the same caption rather than
    only the diagonal; with distinct captions this is the usual `arange(B)` target.
    """
    same = (input_ids[:, None, :] == input_ids[None, :, :]).all(dim=-1).float()  # (B, B)
    targets = same / same.sum(dim=1, keepdim=True)  # (B, B), rows sum to 1
    loss_i = F.cross_entropy(logits_per_image, targets)
    loss_t = F.cross_entropy(logits_per_image.T, targets)  # `same` is symmetric
    return (loss_i + loss_t) / 2


@torch.no_grad()
def zero_shot_accuracy(model: TinyCLIP, attribute: str, n: int = 400, seed: int = 0) -> float:
    """Fraction of n held-out single-object images whose nearest class prompt is right."""
    data = classification_set(n, seed, attribute)
    prompts = [EVAL_TEMPLATES[attribute].format(c) for c in data["class_names"]]
    img = F.normalize(model.encode_image(data["images"]), dim=-1)  # (n, D)
    txt = F.normalize(model.encode_text(prompts), dim=-1)  # (C, D)
    predictions = (img @ txt.T).argmax(dim=1)  # (n,)
    return (predictions == data["labels"]).float().mean().item()


def _lr_at(step: int, steps: int, lr: float, warmup: int) -> float:
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def train(*, steps: int, batch_size: int, lr: float, seed: int, log_every: int = 100):
    """Train a fresh TinyCLIP; returns (model in eval mode, list of per-step losses)."""
    torch.manual_seed(seed)
    model = TinyCLIP(CLIPConfig())
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.05}, {"params": no_decay, "weight_decay": 0.0}], lr=lr
    )
    batches = caption_batches(batch_size, seed)
    losses = []
    model.train()
    for step in range(steps):
        batch = next(batches)
        for group in opt.param_groups:
            group["lr"] = _lr_at(step, steps, lr, warmup=min(200, steps // 10 + 1))
        logits_per_image, _ = model(batch["images"], batch["input_ids"])  # (B, B)
        loss = contrastive_loss(logits_per_image, batch["input_ids"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            model.logit_scale.clamp_(0, math.log(100))  # as CLIP: temperature >= 0.01
        losses.append(loss.item())
        if log_every and (step % log_every == 0 or step == steps - 1):
            print(f"step {step:5d}  loss {loss.item():.4f}  scale {model.logit_scale.exp().item():.1f}")
    return model.eval(), losses


def write_manifest(manifest_path: Path, entry: dict, key: str = "tiny_clip") -> None:
    """Set `manifest[key] = entry`, keeping the other models' entries."""
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    manifest[key] = entry
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def main(*, steps: int = 2000, batch_size: int = 128, lr: float = 1e-3, seed: int = 0,
         out: Path = DEFAULT_WEIGHTS, eval_n: int = 400) -> dict:
    torch.set_num_threads(2)
    start = time.time()
    model, losses = train(steps=steps, batch_size=batch_size, lr=lr, seed=seed)
    seconds = time.time() - start
    accuracy = {a: zero_shot_accuracy(model, a, n=eval_n) for a in EVAL_TEMPLATES}
    for attribute, acc in accuracy.items():
        print(f"zero-shot {attribute:8s} accuracy on {eval_n} held-out scenes: {acc:.3f}")

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().float().contiguous() for k, v in model.state_dict().items()}
    torch.save(state, out)
    entry = {
        "file": out.name,
        "sha256": sha256_of(out),
        "bytes": out.stat().st_size,
        "config": dataclasses.asdict(model.config),
        "training": {
            "steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed,
            "seconds": round(seconds, 1), "threads": torch.get_num_threads(),
            "torch": torch.__version__, "final_loss": round(sum(losses[-50:]) / len(losses[-50:]), 4),
        },  # fmt: skip
        "zero_shot": {
            a: {"template": EVAL_TEMPLATES[a], "n": eval_n, "accuracy": round(acc, 4)}
            for a, acc in accuracy.items()
        },
    }
    write_manifest(out.parent / MANIFEST_NAME, entry)
    print(f"trained {steps} steps in {seconds:.0f} s; wrote {out} ({entry['bytes']} bytes)")
    return entry


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m mmkit.train_clip", description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_WEIGHTS)
    args = parser.parse_args(argv)
    main(steps=args.steps, batch_size=args.batch_size, lr=args.lr, seed=args.seed, out=args.out)


if __name__ == "__main__":
    cli()
