"""Exercise 20's report: run a submission's two-stage experiment and probe where it fails.

    python -m mmkit.two_stage_report [--submission DIR] [--out DIR] [--seed N] [--quick]

Imports ``ex20_tiny_vlm`` from DIR (default: the current folder; its ``ex15``-``ex17``
files are imported from there too), runs ``run_two_stage(seed=N)`` with its defaults,
then probes the trained model (the ``"vlm"`` entry of the result) with the submission's
own ``answer``:

- accuracy by category against a blind model (every image replaced by zeros) and chance;
- counting as objects multiply (1..6 objects) and as they shrink (2..5 px);
- colour and shape as the one object shrinks from 14 px to 3 px, under a 4-px patch;
- reading a letter as its glyph grows from 2 px (inside one patch) to 8 px.

It writes ``report.md`` (tables, the claims checked against the numbers) and
``two_stage.png`` (accuracy by category, by count and size, the loss curves) to DIR/out
(default ``two_stage_report/``). ``--quick`` shrinks everything to a smoke test: the
numbers then mean nothing.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

import torch

from .data import qa_eval_set
from .grammar import CATEGORIES
from .tokenizer import get_tokenizer
from .world import COLORS, LETTERS, PATCH_SIZE, POSITIONS, SHAPES

CHANCE = {"color": 1 / len(COLORS), "shape": 1 / len(SHAPES), "position": 1 / len(POSITIONS),
          "count": 1 / 6, "small_text": 1 / len(LETTERS)}  # count: 1..6 objects by default
COARSE, FINE = ("color", "shape"), ("count", "small_text")
COUNTS = (1, 2, 3, 4, 5, 6)            # objects in a count scene
COUNT_SIZES = (2.0, 3.0, 4.0, 5.0)     # px side of the objects to count (six of them fit)
OBJECT_SIZES = (3.0, 6.0, 10.0, 14.0)  # px side of the one object of colour/shape questions
GLYPH_SIZES = (2, 3, 4, 6, 8)          # px height of the letter (the default is 3)
QUICK = {"stage1_steps": 2, "stage2_steps": 2, "batch_size": 4, "eval_scenes": 10}


# ---------------------------------------------------------------------------- running


def load_submission(directory: str | Path):
    """The submission's ``ex20_tiny_vlm`` module, with its sibling exercise files.

    The bare module names are imported from ``directory`` alone and taken out of
    ``sys.modules`` again afterwards, so another folder's files of the same names (or a
    later call) never mix with these.
    """
    directory = str(Path(directory).resolve())
    names = ("ex20_tiny_vlm", "ex17_stage1", "ex16_vlm", "ex15_projector")
    stashed = {n: sys.modules.pop(n) for n in names if n in sys.modules}
    sys.path.insert(0, directory)
    try:
        return importlib.import_module("ex20_tiny_vlm")
    finally:
        sys.path.remove(directory)
        for n in names:
            sys.modules.pop(n, None)
        sys.modules.update(stashed)


def accuracy(answer, vlm, eval_set: dict, tokenizer, *, blind: bool = False,
             batch_size: int = 100) -> dict[str, float]:
    """Exact-match accuracy of ``answer(vlm, images, questions, tokenizer)`` by category."""
    images = torch.zeros_like(eval_set["images"]) if blind else eval_set["images"]
    got: list[str] = []
    for start in range(0, len(eval_set["questions"]), batch_size):
        end = start + batch_size
        got += list(answer(vlm, images[start:end], eval_set["questions"][start:end], tokenizer))
    hits: dict[str, list[bool]] = {}
    for category, g, want in zip(eval_set["category"], got, eval_set["answers"]):
        hits.setdefault(category, []).append(g == want)
    return {c: sum(h) / len(h) for c, h in hits.items()}


def probe(answer, vlm, *, seed: int = 0, eval_scenes: int = 500, n: int = 60) -> dict:
    """Blind accuracy and the fine-detail probes of a trained VLM (``n`` questions a point)."""
    tok = get_tokenizer()
    held_out = qa_eval_set(eval_scenes, seed)
    one = lambda category, **controls: accuracy(  # noqa: E731
        answer, vlm, qa_eval_set(n, seed, [category], **controls), tok)[category]
    return {
        "blind_accuracy": accuracy(answer, vlm, held_out, tok, blind=True),
        "count_by_number": {k: one("count", num_objects=k) for k in COUNTS},
        "count_by_size": {s: one("count", size=s) for s in COUNT_SIZES},
        "color_by_size": {s: one("color", size=s) for s in OBJECT_SIZES},
        "shape_by_size": {s: one("shape", size=s) for s in OBJECT_SIZES},
        "text_by_glyph": {g: one("small_text", glyph_size=g) for g in GLYPH_SIZES},
    }


def run(submission: str | Path = ".", *, seed: int = 0, quick: bool = False,
        probe_n: int = 60, **settings) -> dict:
    """``run_two_stage(seed, **settings)`` of the submission, timed, plus ``probe``."""
    module = load_submission(submission)
    settings = {**(QUICK if quick else {}), **settings}
    torch.set_num_threads(1)
    started, cpu = time.perf_counter(), time.process_time()
    result = module.run_two_stage(seed=seed, **settings)
    seconds = {"run_two_stage": time.perf_counter() - started,
               "run_two_stage_cpu": time.process_time() - cpu}
    out = {"seed": seed, "settings": settings,
           "stage1_losses": [float(x) for x in result["stage1_losses"]],
           "stage2_losses": [float(x) for x in result["stage2_losses"]],
           "accuracy": {c: float(v) for c, v in result["accuracy"].items()}}
    vlm = result.get("vlm")
    if vlm is None:
        out["note"] = "run_two_stage returned no 'vlm': no blind baseline and no probes"
    else:
        started = time.perf_counter()
        eval_scenes = settings.get("eval_scenes", 500)
        out.update(probe(module.answer, vlm, seed=seed, eval_scenes=eval_scenes,
                         n=4 if quick else probe_n))
        seconds["probes"] = time.perf_counter() - started
    out["seconds"] = {k: round(v, 1) for k, v in seconds.items()}
    return out


# ---------------------------------------------------------------------------- claims


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else float("nan")


def claims(r: dict) -> list[tuple[str, bool | None]]:
    """The chapter's claims, each with whether these numbers bear it out (None: not probed)."""
    acc, blind = r["accuracy"], r.get("blind_accuracy")
    coarse = mean(acc.get(c, 0.0) for c in COARSE)
    fine = mean(acc.get(c, 0.0) for c in FINE)
    out = [
        (f"coarse questions (colour, shape of one big object) are answered well above chance: "
         f"{coarse:.2f} vs chance {mean(CHANCE[c] for c in COARSE):.2f}",
         coarse >= 2.5 * mean(CHANCE[c] for c in COARSE)),
        (f"fine-detail questions (count, small text) are clearly worse: {fine:.2f} vs "
         f"{coarse:.2f}", fine <= coarse - 0.25),
    ]
    if blind is not None:
        b = mean(blind.get(c, 0.0) for c in COARSE)
        out.append((f"a blind model (images zeroed) falls to the prior on coarse questions: "
                    f"{b:.2f} vs {coarse:.2f} with the image", b <= coarse - 0.3))
    if "count_by_number" in r:
        few = mean(r["count_by_number"][k] for k in (2, 3))
        many = mean(r["count_by_number"][k] for k in (4, 5))
        out.append((f"counting gets worse as objects multiply: {few:.2f} with 2-3 objects, "
                    f"{many:.2f} with 4-5", many < few))
        sizes = r["color_by_size"]
        small, big = sizes[min(sizes)], sizes[max(sizes)]
        out.append((f"colour gets worse as the object shrinks below a patch: {big:.2f} at "
                    f"{max(sizes):g} px, {small:.2f} at {min(sizes):g} px", small < big - 0.2))
    return out


# ---------------------------------------------------------------------------- writing


def _table(header: list[str], rows: list[list]) -> str:
    cell = lambda v: f"{v:.2f}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown(r: dict, png: str = "two_stage.png") -> str:
    s1, s2 = r["stage1_losses"], r["stage2_losses"]
    settings = ", ".join(f"{k}={v}" for k, v in r["settings"].items()) or "defaults"
    blind = r.get("blind_accuracy", {})
    parts = [
        "# Exercise 20: a tiny VLM in two stages, and where it fails",
        f"`run_two_stage(seed={r['seed']}{', ' + settings if r['settings'] else ''})`: "
        f"{r['seconds'].get('run_two_stage', float('nan')):.1f} s wall, "
        f"{r['seconds'].get('run_two_stage_cpu', float('nan')):.1f} s CPU "
        f"(probes {r['seconds'].get('probes', 0.0):.1f} s). "
        f"Stage 1: {len(s1)} steps, loss {_ends(s1)}; stage 2: {len(s2)} steps, loss {_ends(s2)}.",
        f"![accuracy by category, count and size; loss curves]({png})",
        "## Accuracy on held-out scenes",
        _table(["category", "with the image", "blind (zeros)", "chance"],
               [[c, r["accuracy"].get(c, float("nan")), blind.get(c, "-"), CHANCE[c]]
                for c in CATEGORIES]),
    ]
    if "count_by_number" in r:
        parts += [
            "## Fine detail",
            "Counting as objects multiply (default 2-4 px objects):",
            _table(["objects"] + [str(k) for k in COUNTS],
                   [["accuracy"] + [r["count_by_number"][k] for k in COUNTS]]),
            "As objects shrink (count: 1-6 objects of that side; colour and shape: one "
            f"object; a patch is {PATCH_SIZE} px):",
            _table(["question"] + [f"{s:g} px" for s in sorted({*COUNT_SIZES, *OBJECT_SIZES})],
                   [[name] + [r[key].get(s, "-") for s in sorted({*COUNT_SIZES, *OBJECT_SIZES})]
                    for name, key in (("count", "count_by_size"), ("color", "color_by_size"),
                                      ("shape", "shape_by_size"))]),
            "Reading one letter as its glyph grows (training glyphs are 3 px):",
            _table(["glyph"] + [f"{g} px" for g in GLYPH_SIZES],
                   [["accuracy"] + [r["text_by_glyph"][g] for g in GLYPH_SIZES]]),
        ]
    elif "note" in r:
        parts.append(f"_{r['note']}._")
    parts += ["## The chapter's claims against these numbers",
              "\n".join(f"- {'yes' if ok else 'NO'}: {text}" for text, ok in claims(r))]
    return "\n\n".join(parts) + "\n"


def _ends(losses: list[float]) -> str:
    if not losses:
        return "-"
    tail = losses[-min(10, len(losses)):]
    return f"{losses[0]:.3f} -> {mean(tail):.3f} (mean of the last {len(tail)})"


def plot(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    ax = axes[0, 0]
    x = torch.arange(len(CATEGORIES)).tolist()
    blind = r.get("blind_accuracy", {})
    ax.bar([i - 0.2 for i in x], [r["accuracy"].get(c, 0) for c in CATEGORIES], 0.4,
           label="with the image")
    ax.bar([i + 0.2 for i in x], [blind.get(c, 0) for c in CATEGORIES], 0.4,
           label="blind (image zeroed)", color="tab:gray")
    ax.scatter(x, [CHANCE[c] for c in CATEGORIES], marker="_", s=400, color="k",
               label="chance", zorder=3)
    ax.set_xticks(x, [c.replace("_", " ") for c in CATEGORIES])
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("accuracy (held-out scenes)")
    ax.set_title("coarse vs fine detail")
    ax.legend(fontsize=8)

    ax = axes[0, 1]
    if "count_by_number" in r:
        ax.plot(COUNTS, [r["count_by_number"][k] for k in COUNTS], "o-")
        ax.axhline(CHANCE["count"], color="k", lw=0.8, ls=":", label="chance")
        ax.set_xlabel("objects to count (2-4 px each)")
        ax.legend(fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("count accuracy")
    ax.set_title("counting as objects multiply")

    ax = axes[1, 0]
    if "count_by_number" in r:
        for key, label in (("color_by_size", "colour (one object)"),
                           ("shape_by_size", "shape (one object)"),
                           ("count_by_size", "count (1-6 objects)")):
            sizes = sorted(r[key])
            ax.plot(sizes, [r[key][s] for s in sizes], "o-", label=label)
        glyphs = sorted(r["text_by_glyph"])
        ax.plot(glyphs, [r["text_by_glyph"][g] for g in glyphs], "s--", label="letter (glyph px)")
        ax.axvline(PATCH_SIZE, color="k", lw=0.8, ls=":", label=f"patch = {PATCH_SIZE} px")
        ax.legend(fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("object side / glyph height (px)")
    ax.set_ylabel("accuracy")
    ax.set_title("as details shrink")

    ax = axes[1, 1]
    s1, s2 = r["stage1_losses"], r["stage2_losses"]
    ax.plot(range(len(s1)), s1, label="stage 1: captions (projector)")
    ax.plot(range(len(s1), len(s1) + len(s2)), s2, label="stage 2: questions (projector + LLM)")
    ax.set_xlabel("step")
    ax.set_ylabel("cross-entropy (supervised tokens)")
    ax.set_title("training")
    ax.legend(fontsize=8)
    fig.suptitle(f"Exercise 20: a tiny VLM in two stages (seed {r['seed']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(r: dict, out: str | Path) -> tuple[Path, Path]:
    """Write ``report.md``, ``two_stage.png`` and ``results.json`` to ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    png = out / "two_stage.png"
    plot(r, png)
    md = out / "report.md"
    md.write_text(markdown(r, png.name), encoding="utf-8")
    clean = json.loads(json.dumps(r, default=float), parse_constant=lambda c: None)
    (out / "results.json").write_text(json.dumps(clean, indent=1) + "\n", encoding="utf-8")
    return md, png


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m mmkit.two_stage_report",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--submission", default=".", help="folder holding ex20_tiny_vlm.py")
    parser.add_argument("--out", default="two_stage_report", help="folder for the report")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quick", action="store_true", help="tiny settings: a smoke test")
    args = parser.parse_args(argv)
    r = run(args.submission, seed=args.seed, quick=args.quick)
    md, png = write(r, args.out)
    for text, ok in claims(r):
        print(f"{'yes' if ok else 'NO '}  {text}")
    print(f"wrote {md} and {png}")
    return r


if __name__ == "__main__":
    main()
